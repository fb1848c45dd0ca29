"""The whole scan, end to end, on hostile trees: findings or per-file errors, never an exception.

Every rule, model builder and secret detector the input reaches runs here, not only the parsers.
An error must name one of the scanned files: a rule that crashes on odd input is reported by the
engine as "rule X stopped early", which hides a bug, so this suite counts it as a failure.
"""

from __future__ import annotations

import functools
import io
import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_inputs import CASES, FILE_NAMES, ROOT, Case, available_kinds, bounded, fixture_files, tokens_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scanner.run.engine
from scanner.cli import main
from scanner.inputs.discover import classify_name, walk
from scanner.results.findings import ScanError
from scanner.results.result import ScanResult
from scanner.run.engine import scan
from scanner.settings.config import Config, Limits

# Only file types whose parser has landed: the others would not be scanned as what they claim.
KINDS = available_kinds()
NAMES = sorted({FILE_NAMES[kind] for kind in KINDS} | {"values.json", "notes.txt", "docker-compose.yml"}
               | ({"Containerfile", "api.dockerfile"} if "dockerfile" in KINDS else set())
               | ({"main.tf.json", "main.tfvars"} if "terraform" in KINDS else set()))
CASES_BY_NAME = {case.name: case for case in CASES}
# No Hypothesis deadline (a wall-clock limit, which a loaded machine breaks): each example is bounded
# by the CPU time its scan may use instead (`fuzz_scan`).
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
EXAMPLE_CPU_SECONDS = 20


@pytest.fixture(scope="module", autouse=True)
def _catalog_once() -> Iterator[None]:
    """Read the rule catalog once for the module: it is the same for every example, and reading it
    for each of hundreds of scans would be most of this suite's time."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scanner.run.engine, "load_rules", functools.cache(scanner.run.engine.load_rules))
        yield


def scan_tree(files: dict[str, bytes | str], forced_type: str = "") -> ScanResult:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, content in files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                target.write_text(content, encoding="utf-8", newline="")
            else:
                target.write_bytes(content)
        result = scan(walk([str(root)], root.resolve()), Config(root=root.resolve(), use_cache=False,
                                                                 forced_type=forced_type))
    assert all(isinstance(error, ScanError) for error in result.errors)
    assert {error.path for error in result.errors} <= set(files), [e.as_dict() for e in result.errors]
    assert {finding.path for finding in result.findings} <= set(files)
    return result


def fuzz_scan(files: dict[str, bytes | str], forced_type: str = "") -> None:
    with bounded(EXAMPLE_CPU_SECONDS):
        scan_tree(files, forced_type)


@FUZZ
@given(name=st.sampled_from(NAMES), data=st.binary(max_size=4000))
def test_any_bytes(name: str, data: bytes) -> None:
    fuzz_scan({name: data})


@FUZZ
@given(name=st.sampled_from(NAMES), text=st.text(max_size=3000))
def test_any_text(name: str, text: str) -> None:
    fuzz_scan({name: text})


@FUZZ
@given(data=st.data())
def test_near_valid_files(data: st.DataObject) -> None:
    """Forced to the type, so that Compose and CloudFormation models see what fails to look like them."""
    kind = data.draw(st.sampled_from(KINDS))
    text = "".join(data.draw(st.lists(st.sampled_from(tokens_for(kind)), max_size=200)))
    fuzz_scan({FILE_NAMES[kind]: text}, forced_type=kind)


FIXTURES = [path for path in fixture_files() if path.stat().st_size < 20_000
            and classify_name(path.name) in {*KINDS, "yaml", "text"}]


@FUZZ
@given(data=st.data())
def test_truncated_fixtures(data: st.DataObject) -> None:
    """Real files cut short keep their name, so the type they were written for claims them."""
    paths = data.draw(st.lists(st.sampled_from(FIXTURES), min_size=1, max_size=3, unique=True))
    files = {}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        files[path.relative_to(ROOT).as_posix()] = text[: data.draw(st.integers(0, len(text)))]
    fuzz_scan(files)


# A whole scan runs every rule over the input, so hostile cases are scaled down: still deeper than
# any recursion limit and longer than any line a person writes, without minutes of rule work.
SCALE = 0.2
SCAN_NAMES = {"yaml": ("deploy.yaml",), "json": ("deploy.json",) + (("main.tf.json",) if "terraform" in KINDS else ()),
              "dockerfile": ("Dockerfile",) if "dockerfile" in KINDS else ("docker.txt",),
              "hcl": ("main.tf",) if "terraform" in KINDS else ("terraform.txt",)}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_hostile_file(case: Case) -> None:
    """Each hostile input under the names of the types it targets, and as plain text (secrets only)."""
    text = case.make(SCALE)
    with bounded(30):
        scan_tree({**{name: text for name in SCAN_NAMES[case.syntax]}, "notes.txt": text})


@pytest.mark.parametrize("kind", ["compose", "cloudformation"])
@pytest.mark.parametrize("case", [c for c in CASES if c.syntax in ("yaml", "json")], ids=lambda case: case.name)
def test_hostile_yaml_as_every_yaml_type(case: Case, kind: str) -> None:
    """The same YAML read by the Compose and CloudFormation models (Kubernetes is covered above)."""
    with bounded(30):
        scan_tree({FILE_NAMES[kind]: case.make(SCALE)}, forced_type=kind)


def test_many_hostile_files_in_one_tree() -> None:
    """Models and cross-file rules (Kubernetes object sets, Terraform modules) see every file at once."""
    files: dict[str, bytes | str] = {
        f"{case.syntax}/{index}/{SCAN_NAMES[case.syntax][-1]}": case.make(SCALE / 4)
        for index, case in enumerate(CASES)}
    with bounded(60):
        scan_tree(files)


def _hostile_tree(root: Path) -> list[str]:
    """Files that can't be read as what their names claim, plus one good file; the bad names."""
    bad = {
        "deploy.yaml": b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: \xff\xfe\n",
        "deep.yaml": ("apiVersion: v1\nkind: List\nitems: " + "[" * 50_000).encode(),
        "bomb.yaml": CASES_BY_NAME["yaml-alias-bomb"].make(1.0).encode(),
        "binary.yaml": b"apiVersion: v1\nkind: Pod\n\x00\x01\x02" * 100,
    }
    if "dockerfile" in KINDS:
        bad["Dockerfile"] = b"\x00\x01binary\x00" * 100
        bad["build.dockerfile"] = b"FROM alpine\nRUN <<EOF\necho never closed\n"
    if "terraform" in KINDS:
        bad["main.tf"] = b'resource "aws_s3_bucket" "b" {\n' * 100
    for name, content in bad.items():
        (root / name).write_bytes(content)
    (root / "ok.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n")
    return sorted(bad)


def test_cli_reports_one_error_line_per_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _hostile_tree(tmp_path)
    code = main(["scan", str(tmp_path), "--root", str(tmp_path), "--format", "text", "--no-color", "--no-cache"])
    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    assert "Traceback" not in out + err and "internal error" not in err
    for name in bad:
        lines = [line for line in out.splitlines() if line.strip().startswith(f"{name}:")
                 or line.strip().startswith(f"{name} ")]
        assert len(lines) == 1, (name, out)


def test_cli_process_never_shows_a_traceback(tmp_path: Path) -> None:
    """The installed entry point in its own process: exit status 1, errors listed, no traceback."""
    bad = _hostile_tree(tmp_path)
    done = subprocess.run([sys.executable, "-m", "scanner", "scan", ".", "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "HULLSCAN_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    errors = json.loads(done.stdout)["errors"]
    assert sorted(error["path"] for error in errors) == bad


def test_a_runaway_parse_becomes_an_error_and_the_scan_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--file-timeout: a parser that never returns costs one error, not the run."""
    import scanner.parse.parsers

    real = scanner.parse.parsers.parser_for

    def spin(text: str, path: str) -> object:
        while True:
            pass

    monkeypatch.setattr(scanner.parse.parsers, "parser_for", lambda kind: spin if kind == "dockerfile" else real(kind))
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    (tmp_path / "ok.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n")
    config = Config(root=tmp_path, limits=Limits(file_timeout=0.5), use_cache=False)
    with bounded(20):
        result = scan(walk([str(tmp_path)], tmp_path), config)
    assert [(e.path, "took longer" in e.message) for e in result.errors] == [("Dockerfile", True)]
    assert result.types.get("kubernetes") == 1


def test_a_runaway_check_becomes_an_error_and_the_scan_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--file-timeout covers a file's checks too: a rule that never returns on one file costs
    that file's findings and one error; other files are still judged."""
    from scanner.catalog.rules import Rule

    real = Rule.load_check

    def spin(model: object, ctx: object) -> object:
        while True:
            pass

    monkeypatch.setattr(Rule, "load_check", lambda rule: spin if rule.id == "DKR001" else real(rule))
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
                                       "  containers: [{name: a, image: busybox, securityContext: {privileged: true}}]\n")
    config = Config(root=tmp_path, limits=Limits(file_timeout=0.5), use_cache=False)
    with bounded(20):
        result = scan(walk([str(tmp_path)], tmp_path), config)
    assert [(e.path, e.message) for e in result.errors] == [
        ("Dockerfile", "took longer than 0.5 s to check (--file-timeout)")]
    assert {f.path for f in result.findings} == {"pod.yaml"}


HOSTILE_NAMES = ["evil\x1b[31mred\n.yaml", "sp ace.yaml", "ü-ñí.yaml", "a" * 200 + ".yaml", "Dockerfile.\r\x07",
                 "[x]*?.yaml", "pct%s%n.yaml"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "gitlab-sast", "codeclimate", "markdown"])
def test_hostile_file_names_in_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    """Control characters, wildcards, format specifiers and undecodable bytes in paths: every
    report is written, structured ones still parse, and no raw escape reaches a terminal."""
    pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n    - name: a\n" \
          "      image: busybox\n      securityContext:\n        privileged: true\n"
    for name in HOSTILE_NAMES:
        (tmp_path / name).write_text(pod if name.endswith(".yaml") else "FROM alpine\nUSER root\n")
    undecodable = os.path.join(os.fsencode(tmp_path), b"dir\xff")
    os.mkdir(undecodable)
    with open(os.path.join(undecodable, b"x\xfe.yaml"), "w") as handle:
        handle.write(pod)
    code = main(["scan", str(tmp_path), "--root", str(tmp_path), "--format", fmt, "--no-color", "--no-cache"])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert "Traceback" not in out + err and "internal error" not in err
    if fmt in ("json", "sarif", "gitlab-sast", "codeclimate"):
        json.loads(out)
    if fmt in ("text", "markdown"):
        assert "\x1b" not in out and "\x07" not in out


@pytest.mark.parametrize("name", ["Dockerfile", "deploy.yaml", "main.tf", "notes.txt"])
def test_hostile_standard_input(name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`hullscan scan -` reads bytes: random binary under any name is an error or nothing, never a crash."""
    data = bytes(random.Random(name).getrandbits(8) for _ in range(3000))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code = main(["scan", "-", "--stdin-name", name, "--format", "json", "--no-cache"])
    out, err = capsys.readouterr()
    assert code in (0, 1) and "Traceback" not in err and "internal error" not in err
    assert json.loads(out)["summary"]["findings"] == 0
