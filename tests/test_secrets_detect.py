"""Detectors, locations and the generic pass, on values built at run time.

Each case plants one secret in a line of some syntax and checks who found it and exactly where
(1-based line, column, exclusive end column). Values come from a seeded generator so nothing in
this file is a credential.
"""

from __future__ import annotations

import base64
import json
import random
import string

import pytest

from scanner.secrets.match import SecretMatch, digest, redact
from scanner.secrets.scan import scan_text

RNG = random.Random(11)
ALNUM = string.ascii_letters + string.digits


def tok(chars: str, n: int) -> str:
    return "".join(RNG.choice(chars) for _ in range(n))


def real(text: str, path: str = "f", kind: str = "text") -> list[SecretMatch]:
    """The matches no filter rejects: what the rules report."""
    return [m for m in scan_text(text, path, kind) if not m.filtered_by]


def where(match: SecretMatch) -> tuple[int, int, int, int]:
    loc = match.loc
    return loc.line, loc.column, loc.end_line, loc.end_column


PROVIDER_CASES = [
    ("aws-access-key-id", "AKIA" + tok(string.ascii_uppercase + "234567", 16)),
    ("gcp-api-key", "AIza" + tok(ALNUM + "_-", 35)),
    ("github-token", "ghp_" + tok(ALNUM, 36)),
    ("github-token", "ghs_" + tok(ALNUM, 36)),
    ("github-token", "github_pat_" + tok(ALNUM, 22) + "_" + tok(ALNUM, 59)),
    ("gitlab-token", "glpat-" + tok(ALNUM, 20)),
    ("gitlab-token", "glrt-" + tok(ALNUM, 24)),
    ("gitlab-token", "GR1348941" + tok(ALNUM, 20)),
    ("slack-token", "xoxb-" + tok(string.digits, 12) + "-" + tok(ALNUM, 24)),
    ("slack-token", "xapp-1-" + tok(ALNUM, 30)),
    ("stripe-key", "sk_live_" + tok(ALNUM, 30)),
    ("stripe-key", "rk_test_" + tok(ALNUM, 30)),
    ("twilio-api-key", "SK" + tok("0123456789abcdef", 32)),
    ("sendgrid-api-key", "SG." + tok(ALNUM, 22) + "." + tok(ALNUM, 43)),
    ("npm-token", "npm_" + tok(ALNUM, 36)),
    ("pypi-token", "pypi-AgEIcHlwaS5vcmc" + tok(ALNUM, 60)),
]


@pytest.mark.parametrize(("detector", "value"), PROVIDER_CASES, ids=[c[0] for c in PROVIDER_CASES])
@pytest.mark.parametrize("line", ["TOKEN={v}", 'token: "{v}"', "curl -H 'X-Key: {v}' x", '{{"k": "{v}"}}'])
def test_provider_tokens_are_found_with_their_exact_span(detector: str, value: str, line: str) -> None:
    text = "first line\n" + line.format(v=value) + "\n"
    column = line.format(v=value).index(value) + 1
    matches = real(text)
    assert [(m.detector, where(m)) for m in matches] == [(detector, (2, column, 2, column + len(value)))]
    assert matches[0].value == value


@pytest.mark.parametrize("text", [
    "id = AKIA" + tok(string.ascii_uppercase, 15),            # too short
    "x" + "ghp_" + tok(ALNUM, 36),                              # inside a word
    "pk_live_" + tok(ALNUM, 30),                                # publishable Stripe key
    "SK" + tok("0123456789abcdef", 40),                         # a longer hex run is a digest
    "eyJhbGciOi.eyJzdWIi.sig",                                  # too short to be a JWT
    "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",  # documentation
    "-----BEGIN CERTIFICATE-----\n" + tok(ALNUM, 64) + "\n-----END CERTIFICATE-----",
])
def test_lookalikes_are_not_secrets(text: str) -> None:
    assert real(text) == []


def test_documented_example_keys_are_placeholders() -> None:
    text = ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
    matches = scan_text(text, "f")
    assert {m.detector for m in matches} == {"aws-access-key-id", "aws-secret-access-key"}
    assert all("well-known-example" in m.filtered_by for m in matches)


def test_aws_key_id_and_secret_are_paired() -> None:
    key_id = "AKIA" + tok(string.ascii_uppercase, 16)
    secret = tok(string.ascii_lowercase, 5) + tok(ALNUM + "/+", 35)
    text = f"{key_id},{secret}\n"  # the CSV an IAM console download holds
    first, second = real(text)
    assert (first.detector, second.detector) == ("aws-access-key-id", "aws-secret-access-key")
    assert first.related == (second.loc,) and second.related == (first.loc,)
    assert where(second) == (1, 22, 1, 62)


def _pem(kind: str = "RSA") -> tuple[str, str]:
    body = tok(ALNUM + "+/", 256)
    lines = "\n".join(body[i:i + 64] for i in range(0, 256, 64))
    return f"-----BEGIN {kind} PRIVATE KEY-----\n{lines}\n-----END {kind} PRIVATE KEY-----", body


@pytest.mark.parametrize("kind", ["RSA", "EC", "OPENSSH", "ENCRYPTED", "DSA", "PGP", ""])
def test_private_keys_span_header_to_footer(kind: str) -> None:
    pem, body = _pem(kind)
    pem = pem.replace("  ", " ").replace("PGP PRIVATE KEY-----", "PGP PRIVATE KEY BLOCK-----")
    (match,) = real("# key\n" + pem + "\n")
    assert match.detector == "private-key"
    assert where(match) == (2, 1, 7, len(pem.splitlines()[-1]) + 1)
    assert match.value == body


def test_a_private_key_has_one_identity_in_every_spelling() -> None:
    pem, _ = _pem()
    in_yaml = "key: |\n" + "\n".join("  " + line for line in pem.splitlines()) + "\n"
    in_json = json.dumps({"key": pem})
    digests = {m.digest for text in (pem, in_yaml, in_json) for m in real(text)}
    assert len(digests) == 1
    (match,) = real(in_json)
    assert where(match)[:2] == (1, 10)


def test_gcp_service_account_file() -> None:
    pem, _ = _pem("")
    pem = pem.replace("BEGIN  PRIVATE", "BEGIN PRIVATE").replace("END  PRIVATE", "END PRIVATE")
    text = json.dumps({"type": "service_account", "private_key": pem + "\n"}, indent=2)
    assert [m.detector for m in real(text)] == ["gcp-service-account-key"]
    assert [m.detector for m in real(text.replace("service_account", "authorized_user"))] == ["private-key"]


def test_jwt_needs_a_json_header() -> None:
    header = base64.urlsafe_b64encode(b'{"alg":"RS256"}').decode().rstrip("=")
    payload = base64.urlsafe_b64encode(b'{"sub":"x"}').decode().rstrip("=")
    token = f"{header}.{payload}.{tok(ALNUM, 40)}"
    assert [m.detector for m in real(f"Authorization: Bearer {token}")] == ["jwt"]
    assert real(f"eyJ{tok(ALNUM, 20)}.eyJ{tok(ALNUM, 20)}.{tok(ALNUM, 20)}") == []


def test_docker_auth_is_base64_of_user_and_password() -> None:
    auth = base64.b64encode(f"ci:{tok(ALNUM, 16)}".encode()).decode()
    config = json.dumps({"auths": {"r.example.com": {"auth": auth}}})
    assert [m.detector for m in real(config)] == ["docker-registry-auth"]
    assert real(config.replace(auth, base64.b64encode(b"no-colon-here").decode())) == []


@pytest.mark.parametrize(("url", "found"), [
    ("postgres://app:{p}@db:5432/app", True),
    ("https://user:{p}@example.com/path", True),
    ("postgres://app:${{DB_PASSWORD}}@db/app", False),
    ("amqp://guest:guest@rabbit/", False),
    ("https://user:<password>@host/", False),
    ("http://localhost:8080/path@x", False),
])
def test_password_in_url(url: str, found: bool) -> None:
    password = "Rq7" + tok(ALNUM, 10)
    text = "DATABASE_URL=" + url.format(p=password)
    matches = real(text)
    assert [m.detector for m in matches] == (["password-in-url"] if found else [])
    if found:
        assert matches[0].value == password and matches[0].name == "DATABASE_URL"


def test_azure_connection_string_and_named_key() -> None:
    key = tok(ALNUM + "+/", 86) + "=="
    text = f"CONN=DefaultEndpointsProtocol=https;AccountName=a;AccountKey={key};EndpointSuffix=core.windows.net\n" \
           f"azure_storage_key: {key}\n"
    assert [(m.detector, m.loc.line) for m in real(text)] == [("azure-storage-key", 1), ("azure-storage-key", 2)]


def test_redacted_form_and_digest_never_hold_the_value() -> None:
    assert redact("AKIA" + "B" * 16, "AKIA") == "AKIA\u2026(20 chars)"  # a format's public marker
    assert redact("hunter22") == "value hidden"  # a password: no prefix, no length
    assert redact("AKIA", "AKIA") == "value hidden"  # a marker that is most of the value is not shown
    value = tok(ALNUM, 30)
    assert value not in digest(value) and len(digest(value)) == 32 and digest(value) == digest(value)
    match = real(f"TOKEN=ghp_{tok(ALNUM, 36)}")[0]
    assert match.value not in repr(match) and match.value not in str(match)


def test_openssh_keys_with_long_zero_runs_are_not_placeholders() -> None:
    body = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW" + tok(ALNUM + "+/", 200)
    lines = "\n".join(body[i:i + 70] for i in range(0, len(body), 70))
    pem = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{lines}\n-----END OPENSSH PRIVATE KEY-----\n"
    assert [m.detector for m in real(pem)] == ["private-key"]
