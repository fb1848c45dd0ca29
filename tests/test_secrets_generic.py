"""The generic pass (secret-named keys), its filters, the structure-aware pass and configuration."""

from __future__ import annotations

import base64
import random
import string
from pathlib import Path

import pytest

from scanner.inputs.discover import walk
from scanner.inputs.parsed import ParsedFile
from scanner.parse.yaml import parse_documents
from scanner.run.engine import scan
from scanner.secrets.assign import secret_name
from scanner.secrets.filters import FILTERS, fired
from scanner.secrets.match import SecretMatch
from scanner.secrets.model import scan_file
from scanner.secrets.scan import scan_text
from scanner.settings.config import Config

RNG = random.Random(5)


def password() -> str:
    return "Qz7" + "".join(RNG.choice(string.ascii_letters + string.digits) for _ in range(9)) + "!x"


def real(text: str, kind: str = "text") -> list[SecretMatch]:
    return [m for m in scan_text(text, "f", kind) if not m.filtered_by]


@pytest.mark.parametrize(("key", "secret"), [
    ("password", True), ("DB_PASSWORD", True), ("dbPassword", True), ("db-passwd", True), ("PWD", True),
    ("client_secret", True), ("clientSecret", True), ("API_KEY", True), ("apiKey", True), ("apikey", True),
    ("private_key", True), ("SECRET_KEY_BASE", True), ("auth_token", True), ("credentials", True),
    ("passphrase", True), ("--db-password", True), ("spring.datasource.password", True),
    ("secretName", False), ("password_file", False), ("PASSWORD_FILE", False), ("tokenUrl", False),
    ("key", False), ("keyRef", False), ("existingSecret", False), ("secret_ref", False),
    ("automountServiceAccountToken", True), ("monkey", False), ("bypass", False), ("sha256", False),
])
def test_secret_named_keys(key: str, secret: bool) -> None:
    assert secret_name(key) is secret


SYNTAXES = [
    "DB_PASSWORD={v}",
    "export DB_PASSWORD='{v}'",
    "db_password = \"{v}\"",
    "db.password={v}",
    "  db_password: {v}  # comment",
    '  "db_password": "{v}",',
    "ENV DB_PASSWORD={v}",
    "ENV A=1 DB_PASSWORD={v} B=2",
    "ARG DB_PASSWORD={v}",
    "ENV DB_PASSWORD {v}",
    "      - DB_PASSWORD={v}",
    "    args: [\"--db-password={v}\"]",
    '    "db_password = \\"{v}\\"\\n",',
    "$conf['db_password'] => '{v}';",
]


@pytest.mark.parametrize("line", SYNTAXES)
def test_generic_assignment_in_every_syntax(line: str) -> None:
    value = password()
    text = "# config\n" + line.format(v=value) + "\n"
    matches = real(text, kind="dockerfile" if line.startswith(("ENV", "ARG")) else "text")
    column = line.format(v=value).index(value) + 1
    assert [(m.rule, m.loc.line, m.loc.column, m.loc.end_column) for m in matches] == \
        [("SEC017", 2, column, column + len(value))]
    assert matches[0].value == value


@pytest.mark.parametrize(("value", "filter_name"), [
    ("changeme", "placeholder"), ("<your-password>", "placeholder"), ("xxxxxxxx", "placeholder"),
    ("REPLACE_ME", "placeholder"), ("your_api_key", "placeholder"),
    ("${DB_PASSWORD}", "template"), ("{{ .Values.password }}", "template"), ("$(cat /run/secrets/x)", "template"),
    ("$DB_PASSWORD", "template"), ("%DB_PASSWORD%", "template"),
    ("var.db_password", "reference"), ("aws_secretsmanager_secret_version.db.secret_string", "reference"),
    ("random_password.db.result", "reference"), ("os.environ['X']", "reference"),
    ("arn:aws:secretsmanager:eu-west-1:111122223333:secret:db", "reference"),
    ("/run/secrets/db-password", "file-path"), ("./secrets/token.txt", "file-path"),
    ("GOOGLE_API_KEY_VAL", "env-var-name"),
    ("sha256:" + "ab" * 32, "digest"), ("$2b$12$" + "a" * 53, "digest"),
    ("123e4567-e89b-12d3-a456-426614174000", "uuid"),
    ("-----BEGIN CERTIFICATE-----MIIB", "public-certificate"), ("ssh-ed25519 AAAAC3Nza", "public-certificate"),
    ("not a real password", "prose"), ("https://vault.example.com/v1", "url"), ("true", "boolean-or-number"),
    ("12345678", "boolean-or-number"), ("example_123", "demo-word"), ("mysecretpassword", "demo-word"),
    ("abcd1234!", "sequence"), ("short", "too-short"), ("wordpress", "low-entropy"),
    ("AKIAIOSFODNN7EXAMPLE", "well-known-example"),
])
def test_each_filter_names_what_it_rejects(value: str, filter_name: str) -> None:
    assert filter_name in fired(value, "password", tuple(FILTERS))


@pytest.mark.parametrize("value", ["Tr0ub4dor&3x", "q9vZ2mXc7LpR4tWk", "minio123", "s3cr-Et9!"[::-1]])
def test_real_looking_values_pass_every_filter(value: str) -> None:
    assert fired(value, "password", tuple(FILTERS)) == ()


def test_hex_checksum_under_a_checksum_name_is_a_digest() -> None:
    checksum = "".join(RNG.choice("0123456789abcdef") for _ in range(64))
    assert "digest" in fired(checksum, "GOLANG_SHA256", tuple(FILTERS))
    assert "digest" not in fired(checksum, "API_TOKEN", tuple(FILTERS))


def test_official_image_checksums_are_not_secrets() -> None:
    sums = ["".join(RNG.choice("0123456789abcdef") for _ in range(64)) for _ in range(3)]
    dockerfile = (f"FROM debian:bookworm\nENV GOLANG_VERSION 1.22.5\nENV GOLANG_SHA256 {sums[0]}\n"
                  f"ARG PYTHON_SHA256={sums[1]}\nRUN echo '{sums[2]} *go.tgz' | sha256sum -c -\n")
    assert scan_text(dockerfile, "Dockerfile", "dockerfile") == []


def _parsed(text: str, kind: str = "kubernetes") -> list[SecretMatch]:
    return [m for m in scan_file(ParsedFile("m.yaml", kind, text, parse_documents(text, "m.yaml")))
            if not m.filtered_by]


def _b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def test_kubernetes_secret_data_is_decoded_and_located() -> None:
    value = password()
    text = (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  username: {_b64('app')}\n"
            f"  password: {_b64(value)}\n  weak: {_b64('changeme')}\nstringData:\n  token: \"{value}x\"\n")
    matches = _parsed(text)
    assert [(m.rule, m.resource, m.loc.line, m.loc.column) for m in matches] == [
        ("SEC016", 'Secret/db key "password"', 7, 13), ("SEC016", 'Secret/db key "token"', 10, 11)]
    assert matches[0].value == value


def test_tokens_inside_secret_data_are_reported_as_themselves() -> None:
    pem = "-----BEGIN EC PRIVATE KEY-----\n" + "A1b2" * 20 + "\n-----END EC PRIVATE KEY-----\n"
    text = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\ndata:\n  tls.key: {_b64(pem)}\n"
    assert [(m.rule, m.loc.line, m.resource) for m in _parsed(text)] == [("SEC013", 6, 'Secret/tls key "tls.key"')]


def test_env_name_value_pairs_and_block_scalars() -> None:
    first, second = password(), password()
    text = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      env:\n"
            f"        - name: DB_PASSWORD\n          value: \"{first}\"\n"
            "        - name: SESSION_SECRET\n          valueFrom:\n            secretKeyRef: {name: s, key: k}\n"
            f"        - name: API_TOKEN\n          value: >-\n            {second}\n")
    matches = _parsed(text)
    assert [(m.resource, m.loc.line, m.loc.column) for m in matches] == [
        ('env "DB_PASSWORD"', 10, 19), ('env "API_TOKEN"', 15, 18)]
    assert matches[1].value == second


def test_cloudformation_parameter_default() -> None:
    value = password()
    text = (f"AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  DbPassword:\n    Type: String\n"
            f"    Default: {value}\n  Other:\n    Default: {password()}\nResources: {{}}\n")
    assert [(m.name, m.loc.line) for m in _parsed(text, "cloudformation")] == [("DbPassword", 5)]


def _write(folder: Path, value: str) -> None:
    (folder / "app.env").write_text(f"DB_PASSWORD={value}\n")
    (folder / "fixtures").mkdir()
    (folder / "fixtures" / "sample.env").write_text(f"DB_PASSWORD={value}\n")


def _sec(folder: Path, **config: object) -> list:
    settings = Config(root=folder, select=("SEC",), **config)  # type: ignore[arg-type]
    return scan(walk([str(folder)], folder), settings).findings


def test_allow_paths_and_fingerprints(tmp_path: Path) -> None:
    value = password()
    _write(tmp_path, value)
    assert [f.path for f in _sec(tmp_path)] == ["app.env", "fixtures/sample.env"]
    assert [f.path for f in _sec(tmp_path, secret_allow_paths=("fixtures/**",))] == ["app.env"]
    first = _sec(tmp_path)[0]
    assert [f.path for f in _sec(tmp_path, secret_allow_fingerprints=(first.fingerprint,))] == ["fixtures/sample.env"]
    by_value = scan_text(f"DB_PASSWORD={value}", "x")[0].digest
    assert _sec(tmp_path, secret_allow_fingerprints=(by_value,)) == []


def test_a_filter_can_be_turned_off_by_name(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text("DB_PASSWORD=wordpress\n")
    assert _sec(tmp_path) == []
    options = {"SEC017": {"disable_filters": ["low-entropy"]}}
    assert [f.rule for f in _sec(tmp_path, rule_options=options)] == ["SEC017"]


def test_same_secret_twice_in_a_file_is_two_findings(tmp_path: Path) -> None:
    value = password()
    (tmp_path / "app.env").write_text(f"DB_PASSWORD={value}\nexport DB_PASSWORD={value}\n")
    assert [f.line for f in _sec(tmp_path)] == [1, 2]


def test_inline_suppression_in_a_text_file_covers_its_own_line(tmp_path: Path) -> None:
    first, second = password(), password()
    (tmp_path / "app.env").write_text(f"DB_PASSWORD={first}  # hullscan:ignore SEC017 rotated, kept for tests\n"
                                      f"API_TOKEN={second}\n")
    result = scan(walk([str(tmp_path)], tmp_path), Config(root=tmp_path, select=("SEC",)))
    assert [(f.rule, f.line) for f in result.findings] == [("SEC017", 2)]
    assert [(f.rule, f.line) for f in result.suppressed] == [("SEC017", 1)]


def test_a_token_under_a_public_looking_secret_key_is_still_found() -> None:
    key_id = "AKIA" + "".join(RNG.choice(string.ascii_uppercase) for _ in range(16))
    text = (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: aws\ndata:\n  aws_access_key_id: {_b64(key_id)}\n"
            f"  region: {_b64('eu-west-1')}\n")
    assert [(m.rule, m.loc.line) for m in _parsed(text)] == [("SEC001", 6)]


def test_a_file_that_fails_to_parse_is_still_read_for_secrets(tmp_path: Path) -> None:
    value = password()
    (tmp_path / "main.tf").write_text(f'resource "aws_db_instance" "db" {{\n  password = "{value}" "x"\n}}\n')
    result = scan(walk([str(tmp_path)], tmp_path), Config(root=tmp_path, select=("SEC",)))
    assert [(e.path, e.line) for e in result.errors] == [("main.tf", 2)]
    assert [(f.rule, f.line) for f in result.findings] == [("SEC017", 2)]
    assert value not in " ".join(e.message for e in result.errors)
