"""The generic secret rule reads values as the file's language does: in source code an expression
is not a literal, in shell an expansion is not; data formats keep unquoted literals."""

from __future__ import annotations

import pytest

from scanner.secrets.literals import CODE, SHELL, language
from scanner.secrets.scan import scan_text

# Ordinary code that names passwords and tokens but holds none.
PYTHON = '''\
import getpass
import os
from dataclasses import dataclass, field


def login(credentials, config, settings, args):
    """Ask for the password and check it: password = the user's secret."""
    password = getpass.getpass("Password: ")
    user, password = credentials
    password = os.environ["DB_PASSWORD"]
    password = config["password"]
    password = get_secret()
    token = f"{prefix}-{suffix}"
    api_key = os.getenv("API_KEY", "")
    secret = settings.SECRET_KEY
    password = None
    if password == expected_password:
        return True
    token = request.headers.get("Authorization")
    password = args.password or input("Password: ")
    secret = "%s:%s" % (user, password)
    token = "-".join(parts)
    return check(password=password)


@dataclass
class Login:
    password: str = field(repr=False)
    token: str = ""
    secret_key: Optional[str] = None
'''
JAVASCRIPT = '''\
const password = process.env.DB_PASSWORD;
const token = req.headers["authorization"];
const apiKey = `${prefix}${suffix}`;
let secret = await getSecret("db");
const { password } = credentials;
'''
GO = '''\
package main

func main() {
	password := os.Getenv("DB_PASSWORD")
	token := r.Header.Get("Authorization")
	secret, err := vault.Read("kv/db")
	apiKey := cfg.APIKey
}
'''
SHELL_SCRIPT = '''\
#!/bin/sh
PASSWORD="$(cat /run/secrets/db)"
TOKEN=$(vault read -field=token kv/x)
export API_KEY="${API_KEY:-}"
SECRET=`pass show db`
DB_PASSWORD=$1
'''


def found(text: str, path: str) -> list[tuple[int, str]]:
    return [(m.loc.line, m.name) for m in scan_text(text, path) if not m.filtered_by]


@pytest.mark.parametrize(("text", "path"), [
    (PYTHON, "app/login.py"), (JAVASCRIPT, "web/app.js"), (JAVASCRIPT, "web/app.ts"), (GO, "cmd/main.go"),
    (SHELL_SCRIPT, "deploy.sh"), (SHELL_SCRIPT, "bin/deploy"),
], ids=["python", "javascript", "typescript", "go", "shell", "shebang"])
def test_ordinary_code_holds_no_literal_secret(text: str, path: str) -> None:
    assert found(text, path) == []


@pytest.mark.parametrize(("line", "path"), [
    ('password = "Summer2024!"', "settings.py"),
    ('DB = {"password": "Qz7kLm29xPw!"}', "settings.py"),
    ('connect(host="db", password="Qz7kLm29xPw!")', "db.py"),
    ('api_key: str = "Zk83hQp02LmxT7"', "config.py"),
    ("self.client_secret = 'Zk83hQp02LmxT7'  # for now", "client.py"),
    ('token = f"Zk83hQp02LmxT7"', "client.py"),  # an f-string without placeholders is a literal
    ('const apiKey = "Zk83hQp02LmxT7Wq";', "app.js"),
    ("const opts = { password: 'Qz7kLm29xPw!', user: \"x\" };", "app.ts"),
    ('var password = "Qz7kLm29xPw!"', "main.go"),
    ("token := `Zk83hQp02LmxT7Wq`", "main.go"),
    ('password = os.getenv("DB_PASSWORD", "Qz7kLm29xPw!")', "db.py"),  # a hard-coded fallback
    ("const apiKey = process.env.API_KEY || 'Zk83hQp02LmxT7Wq';", "app.js"),
    ('PASSWORD="hunter2hunter2"', "run.sh"),
    ("export DB_PASSWORD='Qz7kLm$29xPw'", "run.sh"),  # single quotes: `$` is literal
    ("API_KEY=Zk83hQp02LmxT7Wq", "run.sh"),
    ("password = Qz7kLm29xPw!", "app.ini"),  # data formats: an unquoted value is a literal
    ("DB_PASSWORD=Qz7kLm29xPw!", ".env"),
])
def test_real_literals_are_still_found(line: str, path: str) -> None:
    assert len(found(line + "\n", path)) == 1


@pytest.mark.parametrize(("path", "text", "expected"), [
    ("a.py", "", CODE), ("a/b.tsx", "", CODE), ("x.sh", "", SHELL), ("run", "#!/usr/bin/env bash\n", SHELL),
    ("run", "#!/usr/bin/python3\n", CODE), ("values.yaml", "", ""), (".env", "", ""), ("Dockerfile", "", ""),
])
def test_language_by_suffix_or_interpreter_line(path: str, text: str, expected: str) -> None:
    assert language(path, text) == expected
