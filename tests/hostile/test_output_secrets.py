"""No report shows a secret: not on a line another rule reports, not as a prefix, not as a hash that
can be tested against guesses quickly."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.attacks import leaked, run_hullscan, write_tree

FORMATS = ("text", "json", "sarif", "junit", "gitlab-sast", "codeclimate", "markdown")
# The shape of GitHub tokens, issued by no one; one for each file, so that each file's line is
# hidden by what the detectors find in that file, not by a value seen in another.
TOKENS = {name: f"ghp_{name}Zq4Lm8Rt2Wx6Ys0Np3Kv7Bj1Hd5Gf9Ce2Ua"[:40] for name in ("run", "flow", "json")}
PASSWORD = "Summer2024!"

# Each a line a non-secret rule reports, with a secret on it.
TREE = {
    # DKR030 (a script piped into a shell) reports the RUN that holds a bearer token.
    "Dockerfile": "FROM alpine:3.20\n"
                  f'RUN curl -H "Authorization: Bearer {TOKENS["run"]}" https://example.org/x.sh | sh\n',
    # CTR0xx rules report the container, written in flow style with its env on the same line.
    "pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
                '  containers: [{name: web, image: "nginx:latest", env: [{name: API_TOKEN, value: "'
                + TOKENS["flow"] + '"}]}]\n',
    # One-line JSON: every finding is on line 1, next to the token.
    "deploy.json": json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api"},
                               "spec": {"containers": [{"name": "api", "image": "nginx:latest",
                                                        "env": [{"name": "GH", "value": TOKENS["json"]}]}]}}),
}


@pytest.fixture(scope="module")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("tokens"), TREE)


@pytest.mark.parametrize("select", ["DKR030,CTR001,CTR023", ""])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_on_a_line_another_rule_reports_is_never_printed(tokens: Path, fmt: str, select: str) -> None:
    args = ["--select", select] if select else []
    run = run_hullscan("scan", ".", "--format", fmt, "--profile", "strict", *args, cwd=tokens)
    assert run.returncode == 1, run.stderr
    assert "DKR030" in run.stdout and "CTR001" in run.stdout
    for token in TOKENS.values():
        assert not leaked(run.stdout, token) and not leaked(run.stderr, token)
        assert not leaked(run.stdout, token[4:20])


def test_the_text_report_still_shows_lines_without_a_secret(tokens: Path) -> None:
    run = run_hullscan("scan", ".", "--select", "DKR030,DKR003", cwd=tokens)
    assert "1 | FROM alpine:3.20" in run.stdout  # DKR003 on line 1: no secret there
    assert " | RUN" not in run.stdout


@pytest.fixture(scope="module")
def password(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("password"), {
        # The Dockerfile's value is DKR040's (it supersedes SEC017 there); the two env files are SEC017's.
        "Dockerfile": f"FROM alpine:3.20\nENV DB_PASSWORD={PASSWORD}\nUSER app\n",
        "app.env": f"DB_PASSWORD={PASSWORD}\n",
        "ops/db.env": f"DB_PASSWORD={PASSWORD}\n",
    })


def fast_hashes(value: str) -> list[str]:
    """What a report must not hold: hashes anyone can test a guessed password against quickly."""
    raw = value.encode()
    found = [hashlib.sha256(raw).hexdigest(), hashlib.sha256(b"hullscan-secret\x1f" + raw).hexdigest(),
             hashlib.sha1(raw).hexdigest(), hashlib.md5(raw).hexdigest()]
    return [h[:n] for h in found for n in (16, 32, 40, 64) if n <= len(h)]


def reports(project: Path, tmp_path: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    out = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "sarif", "gitlab-sast", "codeclimate")}
    args = [arg for fmt, path in out.items() for arg in ("--format", fmt, "--output", str(path))]
    run = run_hullscan("scan", ".", *args, cwd=project, env=env)
    assert run.returncode == 1, run.stderr
    baseline = tmp_path / "baseline.json"
    run = run_hullscan("scan", ".", "--write-baseline", str(baseline), cwd=project, env=env)
    assert run.returncode == 0, run.stderr
    return {**{fmt: path.read_text() for fmt, path in out.items()}, "baseline": baseline.read_text()}


def secret_fingerprints(text: str) -> set[str]:
    return {f["fingerprint"] for f in json.loads(text)["findings"] if f["rule"] == "SEC017"}


def test_a_password_leaves_no_prefix_and_no_fast_hash(password: Path, tmp_path: Path) -> None:
    written = reports(password, tmp_path)
    fingerprints = secret_fingerprints(written["json"])
    assert len(fingerprints) == 2
    for fmt, text in written.items():
        assert PASSWORD not in text and "Summer" not in text and "Su\u2026" not in text, fmt
        assert [h for h in fast_hashes(PASSWORD) if h in text] == [], fmt
        assert "(11 chars)" not in text, fmt  # nor its length
    assert fingerprints.isdisjoint(fast_hashes(PASSWORD))
    assert "value hidden" in written["json"]


def test_secret_fingerprints_are_stable_and_keyed(password: Path, tmp_path: Path) -> None:
    first = secret_fingerprints(reports(password, tmp_path / "a")["json"])
    elsewhere = secret_fingerprints(reports(password, tmp_path / "b", {"HOME": str(tmp_path)})["json"])
    keyed = reports(password, tmp_path / "c", {"HULLSCAN_FINGERPRINT_KEY": "team-key-4f1d"})
    assert first == elsewhere  # no per-machine input: a baseline matches on every runner
    assert secret_fingerprints(keyed["json"]).isdisjoint(first)
    assert json.loads(keyed["baseline"])["secret-digests"]["keyed"] is True


def test_a_baseline_from_another_key_says_its_secrets_need_rewriting(password: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    assert run_hullscan("scan", ".", "--write-baseline", str(baseline), cwd=password).returncode == 0
    same = run_hullscan("scan", ".", "--baseline", str(baseline), cwd=password)
    assert same.returncode == 0 and "can't be matched" not in same.stderr
    other = run_hullscan("scan", ".", "--baseline", str(baseline), cwd=password,
                         env={"HULLSCAN_FINGERPRINT_KEY": "another-key"})
    assert other.returncode == 1 and "SEC017" in other.stdout
    assert "2 secret entries can't be matched" in other.stderr and "--write-baseline" in other.stderr
    assert "DKR040" not in other.stdout  # the other entries still match


def test_a_version_1_baseline_still_matches_what_it_can_and_says_what_it_cannot(password: Path,
                                                                                tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    assert run_hullscan("scan", ".", "--write-baseline", str(baseline), cwd=password).returncode == 0
    document = json.loads(baseline.read_text())
    old_secret = hashlib.sha256(b"an old fast fingerprint").hexdigest()[:32]
    document = {"version": 1, "tool": "hullscan 0.0.9", "configuration": document["configuration"],
                "findings": [e if e["rule"] != "SEC017" else {**e, "fingerprint": old_secret}
                             for e in document["findings"]]}
    baseline.write_text(json.dumps(document))
    run = run_hullscan("scan", ".", "--baseline", str(baseline), cwd=password)
    assert run.returncode == 1 and "SEC017" in run.stdout and "DKR040" not in run.stdout
    assert "older, fast secret hash" in run.stderr and "rewrite it with --write-baseline" in run.stderr


def test_paths_are_never_masked_and_a_one_word_password_leaves_names_alone(tmp_path: Path) -> None:
    """`POSTGRES_PASSWORD: nextcloud` in `nextcloud-postgres/compose.yaml`: the line is hidden,
    but the path stays the real file (SARIF must resolve it) and the service keeps its name."""
    compose = tmp_path / "nextcloud-postgres" / "compose.yaml"
    compose.parent.mkdir()
    compose.write_text("services:\n  nextcloud:\n    image: nextcloud:29\n    environment:\n"
                       "      POSTGRES_PASSWORD: nextcloud\n")
    done = run_hullscan("scan", ".", "--format", "json", "--fail-on", "never", cwd=tmp_path)
    findings = json.loads(done.stdout)["findings"]
    assert findings
    assert {f["path"] for f in findings} == {"nextcloud-postgres/compose.yaml"}
    assert any(f["resource"] == 'service "nextcloud"' for f in findings)
