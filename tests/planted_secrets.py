"""A project full of secrets, built at run time, for the tests that check no secret ever leaks.

`plant(folder)` writes files of every kind the secrets pass reads, each holding one or more
secrets, and returns what it planted: the rule each secret must be reported under, the file, and
the strings that must never appear in any output (the value, and its base64 form where the file
holds it encoded). Values are random per seed but built in code, so nothing here looks like a
credential to a repository scanner. Used by `test_secrets_never_leak.py` (engine findings, every
report format through the command line).
"""

from __future__ import annotations

import base64
import importlib.util
import json
import random
import string
from dataclasses import dataclass
from pathlib import Path

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
UPPER32 = string.ascii_uppercase + "234567"
HEX = "0123456789abcdef"


@dataclass(frozen=True)
class Planted:
    rule: str
    file: str
    value: str
    forms: tuple[str, ...]  # every spelling of the secret that a leak would show

    def leaked_in(self, output: str, window: int = 12) -> bool:
        """True when any `window` characters in a row of any form appear in `output`: a redacted
        form shows at most four, so twelve in a row can only be the secret itself."""
        return any(form[i:i + window] in output for form in self.forms
                   for i in range(0, max(len(form) - window, 0) + 1))


def _pem(rng: random.Random, kind: str = "RSA") -> tuple[str, str]:
    body = "".join(rng.choice(B64) for _ in range(640))
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {kind} PRIVATE KEY-----\n" + "\n".join(lines) + f"\n-----END {kind} PRIVATE KEY-----\n", body


def _b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def _password(rng: random.Random, length: int = 14) -> str:
    while True:
        value = "".join(rng.choice(ALNUM + "#%+-") for _ in range(length))
        if any(c.isdigit() for c in value) and any(c.isupper() for c in value) and value[0].isalpha():
            return value


def plant(folder: Path, seed: int = 7) -> list[Planted]:
    """Write the project into `folder`; return every planted secret."""
    rng = random.Random(seed)
    token = lambda chars, n: "".join(rng.choice(chars) for _ in range(n))  # noqa: E731
    planted: list[Planted] = []

    def put(rule: str, file: str, value: str, *extra: str) -> str:
        planted.append(Planted(rule, file, value, (value, *extra)))
        return value

    aws_id = put("SEC001", ".env", "AKIA" + token(UPPER32, 16))
    aws_secret = put("SEC001", ".env", token(string.ascii_lowercase, 10) + token(B64, 30))
    github = put("SEC004", ".env", "ghp_" + token(ALNUM, 36))
    stripe = put("SEC007", ".env", "sk_live_" + token(ALNUM, 32))
    sendgrid = put("SEC009", ".env", "SG." + token(ALNUM, 22) + "." + token(ALNUM, 43))
    twilio = put("SEC008", ".env", "SK" + token(HEX, 32))
    db_password = put("SEC017", ".env", _password(rng))
    (folder / ".env").write_text(
        f"AWS_ACCESS_KEY_ID={aws_id}\nAWS_SECRET_ACCESS_KEY={aws_secret}\nGITHUB_TOKEN={github}\n"
        f"STRIPE_KEY={stripe}\nSENDGRID={sendgrid}\nTWILIO={twilio}\nDB_PASSWORD={db_password}\n")

    gitlab = put("SEC005", "app.properties", "glpat-" + token(ALNUM, 20))
    slack = put("SEC006", "app.properties", "xoxb-" + token(string.digits, 12) + "-" + token(ALNUM, 24))
    hook_path = f"T{token(string.ascii_uppercase, 8)}/B{token(string.ascii_uppercase, 8)}/{token(ALNUM, 24)}"
    put("SEC006", "app.properties", hook_path)
    url_password = put("SEC015", "app.properties", _password(rng))
    prop_secret = put("SEC017", "app.properties", _password(rng, 18))
    (folder / "app.properties").write_text(
        f"gitlab.token={gitlab}\nslack.token={slack}\nslack.hook=https://hooks.slack.com/services/{hook_path}\n"
        f"db.url=postgres://app:{url_password}@db:5432/app\napp.client.secret={prop_secret}\n")

    npm = put("SEC010", ".npmrc", "npm_" + token(ALNUM, 36))
    (folder / ".npmrc").write_text(f"//registry.npmjs.org/:_authToken={npm}\n")
    pypi_core = token(ALNUM, 70)  # the prefix is the same in every PyPI token (and in the rule's docs)
    pypi = "pypi-AgEIcHlwaS5vcmc" + pypi_core
    planted.append(Planted("SEC011", ".pypirc", pypi, (pypi_core,)))
    (folder / ".pypirc").write_text(f"[pypi]\nusername = __token__\npassword = {pypi}\n")
    gcp_key = put("SEC002", "maps.sh", "AIza" + token(ALNUM, 35))
    (folder / "maps.sh").write_text(f"#!/bin/sh\ncurl \"https://maps.example.com/?key={gcp_key}\"\n")

    registry_password = _password(rng)
    auth = _b64(f"ci:{registry_password}")
    put("SEC012", "config.json", auth, registry_password)
    (folder / "config.json").write_text(json.dumps({"auths": {"registry.example.com": {"auth": auth}}}))

    pem, body = _pem(rng)
    put("SEC013", "server.pem", body)
    (folder / "server.pem").write_text(pem)
    sa_pem, sa_body = _pem(rng, "")
    sa_pem = sa_pem.replace("BEGIN  PRIVATE", "BEGIN PRIVATE").replace("END  PRIVATE", "END PRIVATE")
    put("SEC002", "sa.json", sa_body)
    (folder / "sa.json").write_text(json.dumps({"type": "service_account", "private_key": sa_pem}, indent=2))

    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    payload = base64.urlsafe_b64encode(json.dumps({"sub": token(ALNUM, 12)}).encode()).decode().rstrip("=")
    jwt = put("SEC014", "client.env", f"{header}.{payload}.{token(ALNUM, 43)}")
    (folder / "client.env").write_text(f"BEARER={jwt}\n")

    env_password = put("SEC017", "deploy.yaml", _password(rng))
    secret_data = put("SEC016", "deploy.yaml", _password(rng))
    encoded = _b64(secret_data)
    planted[-1] = Planted("SEC016", "deploy.yaml", secret_data, (secret_data, encoded))
    yaml_pem, yaml_body = _pem(rng, "EC")
    put("SEC013", "deploy.yaml", yaml_body)
    block = "\n".join("    " + line for line in yaml_pem.strip().splitlines())
    (folder / "deploy.yaml").write_text(f"""apiVersion: v1
kind: Secret
metadata:
  name: db
data:
  password: {encoded}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: tls
data:
  tls.key: |
{block}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.0
          env:
            - name: DB_PASSWORD
              value: "{env_password}"
""")
    compose_secret = put("SEC017", "compose.yaml", _password(rng))
    (folder / "compose.yaml").write_text(
        f"services:\n  app:\n    image: registry.example.com/app:1.0\n    environment:\n"
        f"      - API_TOKEN={compose_secret}\n")
    cfn_password = put("SEC017", "stack.yaml", _password(rng))
    (folder / "stack.yaml").write_text(f"""AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  DbPassword:
    Type: String
    NoEcho: true
    Default: "{cfn_password}"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
""")
    if importlib.util.find_spec("scanner.parse.dockerfile") is not None:
        build_token = put("SEC017", "Dockerfile", _password(rng))
        (folder / "Dockerfile").write_text(f"FROM alpine:3.20\nENV API_SECRET={build_token}\nUSER 10001\n")
    if importlib.util.find_spec("scanner.parse.hcl.syntax") is not None:
        tf_password = put("SEC017", "main.tf", _password(rng))
        (folder / "main.tf").write_text(
            f'resource "aws_db_instance" "db" {{\n  engine   = "postgres"\n  password = "{tf_password}"\n}}\n')
    return planted
