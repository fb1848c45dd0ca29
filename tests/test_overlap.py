"""One concern, one finding: a rule that `supersedes` another keeps the finding, the other's
place becomes a related location (scanner.results.overlap)."""

from __future__ import annotations

from pathlib import Path

from scanner.inputs.discover import walk
from scanner.run.engine import scan
from scanner.settings.config import Config

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: minio
spec:
  template:
    spec:
      containers:
        - name: minio
          image: registry.example.com/minio:1.0
          env:
            - name: MINIO_ROOT_USER
              value: admin
            - name: MINIO_SECRET_KEY
              value: "Xk3#pQ9!vL2@wR7z"
"""
SECRET = """\
apiVersion: v1
kind: Secret
metadata:
  name: db
data:
  password: U3VtbWVyMjAyNCFTdW1tZXIyMDI0IQ==
"""


def _findings(tmp_path: Path, name: str, text: str) -> list[tuple[str, int, list[int]]]:
    (tmp_path / name).write_text(text)
    result = scan(list(walk([str(tmp_path / name)], tmp_path)),
                  Config(select=("CTR025", "SEC017", "SEC016", "K8S040"), root=tmp_path))
    return sorted((f.rule, f.line, [loc.line for loc in f.related]) for f in result.findings)


def test_a_secret_in_an_environment_variable_is_one_finding(tmp_path: Path) -> None:
    (only,) = _findings(tmp_path, "deploy.yaml", DEPLOYMENT)
    rule, line, related = only
    assert (rule, line) == ("CTR025", 14)  # the variable to change
    assert 15 in related  # where the detector saw the value


def test_a_committed_secret_is_reported_at_its_value_only(tmp_path: Path) -> None:
    (only,) = _findings(tmp_path, "secret.yaml", SECRET)
    rule, line, related = only
    assert (rule, line) == ("SEC016", 6)
    assert 5 in related  # K8S040's `data:` line


def test_unrelated_findings_of_superseded_rules_stay(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text(SECRET.replace("U3VtbWVyMjAyNCFTdW1tZXIyMDI0IQ==", "eA=="))
    result = scan(list(walk([str(tmp_path / "other.yaml")], tmp_path)),
                  Config(select=("SEC016", "K8S040"), root=tmp_path))
    assert [f.rule for f in result.findings] == ["K8S040"]


CONFIG_MAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: app
data:
  DB_PASSWORD: "Xk3#pQ9!vL2@wR7z"
  SMTP_PASSWORD: wordpress
  signing.pem: |
    -----BEGIN RSA PRIVATE KEY-----
    MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu
    -----END RSA PRIVATE KEY-----
"""


def test_a_credential_in_a_config_map_is_reported_once(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(CONFIG_MAP)
    result = scan(list(walk([str(tmp_path / "config.yaml")], tmp_path)),
                  Config(select=("K8S041", "SEC013", "SEC017"), root=tmp_path))
    found = sorted((f.rule, f.line) for f in result.findings)
    # The detectors report the values they recognise; K8S041 keeps the weak password they filter out.
    assert found == [("K8S041", 7), ("SEC013", 9), ("SEC017", 6)]
