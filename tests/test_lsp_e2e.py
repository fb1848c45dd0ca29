"""`hullscan lsp` end to end: the installed console script as a subprocess, spoken to over real
JSON-RPC framing the way an editor speaks to it (`tests/lsp_wire.py`). No timing is asserted;
every wait is bounded by a generous timeout."""

from __future__ import annotations

import random
import string
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")

from attacks import POD, hullscan_command, run_hullscan  # noqa: E402
from lsp_wire import LspClient  # noqa: E402

HARDENED = POD.replace("privileged: true", "privileged: false")
PRIVILEGED_LINE = POD.splitlines().index("        privileged: true")


def _client(root: Path) -> LspClient:
    """A server on `root`, whose configuration turns every rule on: the sessions below watch
    rules outside the default profile (CTR001, CTR022, K8S020) come and go."""
    config = root / ".hullscan.yaml"
    if not config.exists():
        config.write_text("profile: strict\n")
    client = LspClient([*hullscan_command(), "lsp", "--stdio"], cwd=root)
    client.initialize(root, {"debounce": 0})
    return client


def _open(client: LspClient, uri: str, text: str, language: str = "yaml", version: int = 1) -> list[dict[str, Any]]:
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": language, "version": version,
                                                            "text": text}})
    return client.diagnostics(uri, version)


def _change(client: LspClient, uri: str, text: str, version: int) -> list[dict[str, Any]]:
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                             "contentChanges": [{"text": text}]})
    return client.diagnostics(uri, version)


def _codes(diagnostics: list[dict[str, Any]]) -> set[str]:
    return {d.get("code", "") for d in diagnostics}


def _apply(text: str, edits: list[dict[str, Any]]) -> str:
    """Text edits applied as an editor applies them (ASCII text: UTF-16 units are characters)."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(position: dict[str, int]) -> int:
        return offsets[min(position["line"], len(lines))] + position["character"]

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


def _at(diagnostics: list[dict[str, Any]], code: str) -> dict[str, Any]:
    return next(d for d in diagnostics if d.get("code") == code)


def test_an_editing_session(tmp_path: Path) -> None:
    client = _client(tmp_path)
    capabilities = client.seen[0]["result"]["capabilities"]
    assert capabilities["hoverProvider"] and capabilities["codeActionProvider"]
    assert capabilities["textDocumentSync"]["openClose"]
    uri = (tmp_path / "pod.yaml").as_uri()  # never saved: only the buffer exists

    diagnostics = _open(client, uri, POD)
    privileged = _at(diagnostics, "CTR002")
    column = POD.splitlines()[PRIVILEGED_LINE].index("true")
    assert privileged["range"] == {"start": {"line": PRIVILEGED_LINE, "character": column},
                                   "end": {"line": PRIVILEGED_LINE, "character": column + 4}}
    assert privileged["source"] == "hullscan" and privileged["severity"] == 1
    assert privileged["codeDescription"]["href"].endswith("/CTR002.md")
    assert {"CTR001", "CTR022"} <= _codes(diagnostics)

    hovered = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": privileged["range"]["start"]})
    assert "CTR002" in hovered["result"]["contents"]["value"]
    assert "privileged-container" in hovered["result"]["contents"]["value"]

    answer = client.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": privileged["range"],
                                                        "context": {"diagnostics": [privileged]}})
    actions = answer["result"]
    titles = [action["title"] for action in actions]
    assert any("Show documentation for CTR002" in title for title in titles)
    for action in actions:
        if "CTR002" not in action["title"] or "edit" not in action:
            continue
        applied = _apply(POD, action["edit"]["changes"][uri])
        assert "CTR002" in applied and applied != POD
        assert "CTR002" not in _codes(_change(client, uri, applied, 10 + titles.index(action["title"]))), action["title"]
        (tmp_path / "applied.yaml").write_text(applied)
        scanned = run_hullscan("scan", "--select", "CTR002", "applied.yaml", "--no-cache", cwd=tmp_path)
        assert scanned.returncode == 0, scanned.stdout
    assert sum("Suppress CTR002" in title for title in titles) == 2  # a comment, and the annotation

    assert "CTR002" not in _codes(_change(client, uri, HARDENED, 50))

    bad = client.request("textDocument/hover", {"textDocument": {}})
    assert bad["error"]["code"] == -32602
    client.send_raw(b"Content-Length: 6\r\n\r\n{oops}")
    parse_error = client.wait_for(lambda m: "error" in m and m.get("id") is None)
    assert parse_error["error"]["code"] == -32700
    still = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}})
    assert "result" in still
    assert client.close() == 0


NETWORK_POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny-all
spec:
  podSelector: {}
  policyTypes: [Ingress]
"""


def test_relations_follow_the_other_files(tmp_path: Path) -> None:
    """K8S020 (no policy selects the pod) goes when a policy buffer is opened, comes back when it
    is closed, and goes again when the policy is saved to disk."""
    client = _client(tmp_path)
    pod, policy = (tmp_path / "pod.yaml").as_uri(), (tmp_path / "policy.yaml").as_uri()
    assert "K8S020" in _codes(_open(client, pod, POD))
    client.notify("textDocument/didOpen", {"textDocument": {"uri": policy, "languageId": "yaml", "version": 1,
                                                            "text": NETWORK_POLICY}})
    assert "K8S020" not in _codes(client.diagnostics(pod, 1))
    client.notify("textDocument/didClose", {"textDocument": {"uri": policy}})
    assert "K8S020" in _codes(client.diagnostics(pod, 1))
    (tmp_path / "policy.yaml").write_text(NETWORK_POLICY)
    client.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": policy, "type": 1}]})
    assert "K8S020" not in _codes(client.diagnostics(pod, 1))
    assert client.close() == 0


def test_a_broken_buffer_is_one_diagnostic(tmp_path: Path) -> None:
    client = _client(tmp_path)
    uri = (tmp_path / "pod.yaml").as_uri()
    broken = POD.replace("  name: web", "  name: [web")
    diagnostics = _open(client, uri, broken)
    errors = [d for d in diagnostics if "code" not in d]
    assert len(errors) == 1 and errors[0]["severity"] == 1
    assert errors[0]["range"]["start"]["line"] >= broken.splitlines().index("  name: [web")
    assert client.close() == 0


def test_secrets_never_reach_a_message(tmp_path: Path) -> None:
    pick = random.Random(7).choice
    token = "ghp_" + "".join(pick(string.ascii_letters + string.digits) for _ in range(36))
    pod = POD.replace("image: nginx:1.27", f"image: registry.example/{token}:1.0")
    client = _client(tmp_path)
    uri = (tmp_path / "pod.yaml").as_uri()
    diagnostics = _open(client, uri, pod)
    assert diagnostics
    assert token[4:16] not in repr(client.seen)
    assert client.close() == 0


def test_a_rendered_chart_lands_on_its_template(tmp_path: Path) -> None:
    from scanner.render.helm import renderer

    if not renderer():
        pytest.skip("no Helm renderer (the helm extra) on this machine")
    (tmp_path / "chart" / "templates").mkdir(parents=True)
    (tmp_path / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (tmp_path / "chart" / "values.yaml").write_text("privileged: true\n")
    template = POD.replace("privileged: true", "privileged: {{ .Values.privileged }}")
    (tmp_path / "chart" / "templates" / "pod.yaml").write_text(template)
    client = _client(tmp_path)
    uri = (tmp_path / "chart" / "templates" / "pod.yaml").as_uri()
    diagnostics = _open(client, uri, template)
    image_line = template.splitlines().index("      image: nginx:1.27")
    assert {d["range"]["start"]["line"] for d in diagnostics if d.get("code") == "CTR022"} == {image_line}
    values = _open(client, (tmp_path / "chart" / "values.yaml").as_uri(), "privileged: true\n")
    assert [d["range"]["start"]["line"] for d in values if d.get("code") == "CTR002"] == [0]  # where it is set
    assert not [d for d in diagnostics if "code" not in d]  # the template is not judged as a broken manifest
    assert client.close() == 0


def test_changes_in_a_row_are_judged_once(tmp_path: Path) -> None:
    """With a long debounce, two quick changes wait; a save judges at once, and only the latest text."""
    client = LspClient([*hullscan_command(), "lsp"], cwd=tmp_path)
    client.initialize(tmp_path, {"debounce": 10})
    uri = (tmp_path / "pod.yaml").as_uri()
    assert "CTR002" in _codes(_open(client, uri, POD))
    for version, text in ((2, POD.replace("web", "api")), (3, HARDENED)):
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                 "contentChanges": [{"text": text}]})
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    published = client.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics")
    assert published["params"]["version"] == 3
    assert "CTR002" not in _codes(published["params"]["diagnostics"])
    assert client.close() == 0


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: nginx:1.27
"""
PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          securityContext:
            privileged: true
"""


def test_a_rendered_overlay_lands_on_its_patch(tmp_path: Path) -> None:
    from scanner.render.kustomize import tool

    if tool() is None:
        pytest.skip("no kustomize or kubectl on this machine")
    files = {"base/deployment.yaml": DEPLOYMENT, "base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
             "overlay/patch.yaml": PATCH,
             "overlay/kustomization.yaml": "resources:\n  - ../base\npatches:\n  - path: patch.yaml\n"}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    client = _client(tmp_path)
    diagnostics = _open(client, (tmp_path / "overlay" / "patch.yaml").as_uri(), PATCH)
    privileged = PATCH.splitlines().index("            privileged: true")
    assert [d["range"]["start"]["line"] for d in diagnostics if d.get("code") == "CTR002"] == [privileged]
    assert client.close() == 0
