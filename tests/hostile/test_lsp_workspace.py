"""A hostile workspace opened in an editor: `hullscan lsp` holds the same line as `scan`. The
workspace's configuration may lower the gate only by saying so, a broken one is refused aloud, a
buffer over the size limit is one error, and the environment's secrets never reach the editor."""

from __future__ import annotations

import os
import resource
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")

from attacks import CANARY, CANARY_ENV, MEMORY_LIMIT, POD, hullscan_command, leaked, write_tree  # noqa: E402
from lsp_wire import LspClient  # noqa: E402


def _session(root: Path) -> LspClient:
    resource_limit = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, resource_limit[1]))  # inherited by the server
    try:
        client = LspClient([*hullscan_command(), "lsp"], cwd=root, env={**os.environ, **CANARY_ENV})
    finally:
        resource.setrlimit(resource.RLIMIT_AS, resource_limit)
    client.initialize(root, {"debounce": 0})
    return client


def _open(client: LspClient, root: Path, rel: str, text: str) -> list[dict[str, Any]]:
    uri = (root / rel).as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    return client.diagnostics(uri, 1)


def _messages(client: LspClient) -> list[str]:
    return [m["params"]["message"] for m in client.seen if m.get("method") == "window/showMessage"]


def test_a_configuration_that_lowers_the_gate_says_so(tmp_path: Path) -> None:
    write_tree(tmp_path, {".hullscan.yaml": "profile: strict\nignore: [CTR002]\n"})
    client = _session(tmp_path)
    codes = {d.get("code") for d in _open(client, tmp_path, "pod.yaml", POD)}
    assert "CTR002" not in codes and "CTR001" in codes  # the configuration applies, as in `scan`
    assert any("CTR002" in message for message in _messages(client))
    assert client.close() == 0


def test_a_broken_configuration_is_refused_aloud(tmp_path: Path) -> None:
    write_tree(tmp_path, {".hullscan.yaml": "ignore: [CTR002]\nno-such-setting: 1\n"})
    client = _session(tmp_path)
    assert "CTR002" in {d.get("code") for d in _open(client, tmp_path, "pod.yaml", POD)}
    assert any("configuration not used" in message for message in _messages(client))
    assert client.close() == 0


def test_a_buffer_over_the_size_limit_is_one_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {".hullscan.yaml": "profile: strict\nlimits:\n  max-file-size: 4096\n"})
    client = _session(tmp_path)
    big = POD + "".join(f"# padding line {n}\n" for n in range(1000))
    diagnostics = _open(client, tmp_path, "pod.yaml", big)
    assert [d["message"] for d in diagnostics] == ["skipped: larger than the 4096-byte limit (--max-file-size)"]
    assert "CTR001" in {d.get("code") for d in _open(client, tmp_path, "small.yaml", POD)}  # still serving
    assert client.close() == 0


POLICY = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: all\nspec:\n  podSelector: {}\n"


@pytest.mark.parametrize("linked", [False, True])
def test_a_link_out_of_the_workspace_is_not_followed(tmp_path: Path, linked: bool) -> None:
    """A policy in the workspace covers the pod (K8S020 goes); one a link brings in from outside
    is never read, so the pod stays uncovered."""
    outside = write_tree(tmp_path / "outside", {"policy.yaml": POLICY})
    root = tmp_path / "workspace"
    root.mkdir()
    (root / ".hullscan.yaml").write_text("profile: strict\n")  # K8S020 is outside the default set
    if linked:
        (root / "policy.yaml").symlink_to(outside / "policy.yaml")
    else:
        (root / "policy.yaml").write_text(POLICY)
    client = _session(root)
    assert ("K8S020" in {d.get("code") for d in _open(client, root, "pod.yaml", POD)}) == linked
    assert client.close() == 0


def test_the_environment_never_reaches_the_editor(tmp_path: Path) -> None:
    write_tree(tmp_path, {"Dockerfile": "FROM alpine:3.20\nARG TOKEN\nRUN echo $TOKEN $CI_JOB_TOKEN\n"})
    client = _session(tmp_path)
    _open(client, tmp_path, "pod.yaml", POD.replace("nginx:1.27", "${GITHUB_TOKEN}"))
    _open(client, tmp_path, "Dockerfile", (tmp_path / "Dockerfile").read_text())
    client.request("workspace/executeCommand", {"command": "hullscan.showDocumentation", "arguments": ["CTR002"]})
    assert client.close() == 0
    assert not leaked(repr(client.seen)) and CANARY not in repr(client.seen)


def test_a_buffer_that_runs_long_is_stopped_by_its_budget(tmp_path: Path) -> None:
    """Judging runs where the CPU budget holds (the server's main thread): a buffer that takes
    longer than `file-timeout` to read is one error, and the server goes on."""
    write_tree(tmp_path, {".hullscan.yaml": "profile: strict\nlimits:\n  file-timeout: 0.05\n"})
    client = _session(tmp_path)
    slow = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\nitems:\n" + \
        "".join(f"  - {{name: e{n}, value: v{n}}}\n" for n in range(60000))
    messages = [d["message"] for d in _open(client, tmp_path, "big.yaml", slow)]
    assert any("took longer than 0.05 s" in message for message in messages), messages
    assert "CTR001" in {d.get("code") for d in _open(client, tmp_path, "pod.yaml", POD)}
    assert client.close() == 0
