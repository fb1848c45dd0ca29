"""The image rules (IMG001-IMG005) through `scan_archive`, on archives built in each test."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
from imagebuild import E, config, docker_save, github_token, layer, oci_dir, private_key

from scanner.app import scan_archive
from scanner.image.detect import SecretMatch
from scanner.results.result import ScanResult
from scanner.secrets.match import digest
from scanner.settings.config import Config, Limits

TOKEN = github_token()
KEY = private_key()


def _scan(path: Path, rule: str, **settings: object) -> ScanResult:
    result = scan_archive(path, Config(select=(rule,), root=path.parent, **settings))  # type: ignore[arg-type]
    assert not result.errors, [e.as_dict() for e in result.errors]
    assert {f.rule for f in result.findings} <= {rule}
    return result


def _where(result: ScanResult) -> list[tuple[str, int]]:
    return [(f.path, f.line) for f in result.findings]


def test_secret_in_a_present_file(tmp_path: Path) -> None:
    text = f"[github]\nuser = ci\ntoken = {TOKEN}\n".encode()
    path = docker_save(tmp_path / "image.tar", [layer(E("app/settings.ini", text), compress="gzip")])
    result = _scan(path, "IMG001")
    label = f"layer-0-{result.findings[0].path.split('layer-0-')[1][:12]}"
    assert _where(result) == [(f"image.tar!{label}/app/settings.ini", 3)]
    finding = result.findings[0]
    assert finding.column == 9 and finding.resource == 'image "app:1" layer 0'
    assert finding.message.endswith("in /app/settings.ini")
    assert TOKEN not in json.dumps(finding.as_dict())


@pytest.mark.parametrize(("later", "state"), [
    (E("app/.wh.settings.ini"), "deleted in a later layer but still in the image"),
    (E("app/.wh..wh..opq"), "deleted in a later layer but still in the image"),
    (E("app/settings.ini", b"token = ${GITHUB_TOKEN}\n"), "replaced in a later layer but still in the image"),
])
def test_secret_in_a_file_a_later_layer_removes(tmp_path: Path, later: E, state: str) -> None:
    layers = [layer(E("app/settings.ini", f"token = {TOKEN}\n".encode())), layer(later)]
    result = _scan(docker_save(tmp_path / "image.tar", layers), "IMG001")
    assert [(f.line, f.path.split("!")[1].split("/", 1)[1]) for f in result.findings] == [
        (1, "app/settings.ini")]
    assert "!layer-0-" in result.findings[0].path
    assert result.findings[0].message.endswith(f"({state})")


def test_private_key_in_an_oci_layout(tmp_path: Path) -> None:
    path = oci_dir(tmp_path / "layout", [layer(E("etc/app/"), E("etc/app/deploy_key", KEY.encode()),
                                              compress="gzip")])
    result = _scan(path, "IMG001")
    assert [(f.path.rsplit("/", 1)[1], f.line) for f in result.findings] == [("deploy_key", 1)]
    assert result.findings[0].path.startswith("layout!layer-0-")


def test_files_not_read_for_secrets(tmp_path: Path) -> None:
    layers = [layer(
        E("usr/share/doc/tool/example.conf", f"token={TOKEN}\n".encode()),   # skipped path
        E("app/blob.bin", b"\x00\x01" + TOKEN.encode()),                       # binary
        E("app/link", kind=tarfile.SYMTYPE, linkname="/etc/passwd"),           # never followed
        E("app/big.txt", f"token={TOKEN}\n".encode() + b"x" * 3000),           # over the size limit
    )]
    path = docker_save(tmp_path / "image.tar", layers)
    result = _scan(path, "IMG001", limits=Limits(max_file_bytes=2000))
    assert result.findings == []
    assert any("1 file(s) over 2000 bytes" in note for note in result.notes)


@pytest.mark.parametrize(("entry", "what"), [
    (E("root/.ssh/id_rsa", KEY.encode()), "SSH private key"),
    (E("app/.env", b"DEBUG=1\n"), "dotenv file"),
    (E("app/.env.production", b"DEBUG=1\n"), "dotenv file"),
    (E("root/.aws/credentials", b"[default]\n"), "AWS credentials file"),
    (E("root/.docker/config.json", b'{"auths": {"r.io": {"auth": "dXNlcjpwYXNz"}}}'),
     "Docker registry credentials"),
    (E("app/.npmrc", b"//registry.npmjs.org/:_authToken=npm_abcdefabcdef\n"), "npm token file"),
    (E("root/.pypirc", b"[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc\n"),
     "PyPI credentials file"),
    (E("root/.bash_history", b"mysql -p hunter2\n"), "shell history"),
    (E("root/.git-credentials", b"https://u:p@example.com\n"), "Git credentials file"),
    (E("src/.git/HEAD", b"ref: refs/heads/main\n"), "Git repository metadata (.git)"),
])
def test_sensitive_files(tmp_path: Path, entry: E, what: str) -> None:
    result = _scan(docker_save(tmp_path / "image.tar", [layer(entry)]), "IMG002")
    assert len(result.findings) == 1
    assert what in result.findings[0].message and result.findings[0].line == 1


@pytest.mark.parametrize("entry", [
    E("root/.ssh/id_rsa.pub", b"ssh-ed25519 AAAA"),
    E("app/.env.example", b"TOKEN=\n"),
    E("root/.bash_history", b""),
    E("root/.bash_history", kind=tarfile.SYMTYPE, linkname="/dev/null"),
    E("root/.docker/config.json", b'{"credsStore": "desktop"}'),
    E("app/.npmrc", b"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"),
    E("root/.pypirc", b"[pypi]\nusername = __token__\n"),
    E("app/git/config", b"[core]\n"),
])
def test_harmless_look_alikes(tmp_path: Path, entry: E) -> None:
    assert _scan(docker_save(tmp_path / "image.tar", [layer(entry)]), "IMG002").findings == []


def test_sensitive_file_deleted_later_is_reported_once_per_layer_version(tmp_path: Path) -> None:
    layers = [layer(E("app/.git/"), E("app/.git/config", b"[core]\n"), E("app/.env", b"A=1\n")),
              layer(E("app/.wh..git"), E("app/.wh..env"))]
    result = _scan(docker_save(tmp_path / "image.tar", layers), "IMG002")
    assert sorted(f.path.rsplit("/", 1)[1] for f in result.findings) == [".env", ".git"]
    assert all(f.message.endswith("(deleted in a later layer but still in the image)")
               for f in result.findings)


def test_secrets_in_the_config(tmp_path: Path) -> None:
    cfg = config(env=("PATH=/usr/bin", f"GH_TOKEN={TOKEN}"),
                 labels={"ci.token": TOKEN, "version": "1.2"},
                 history=("ARG DEPLOY_TOKEN", f"RUN |1 DEPLOY_TOKEN={TOKEN} /bin/sh -c make",
                          "RUN /bin/sh -c make test"))
    result = _scan(docker_save(tmp_path / "image.tar", [layer(E("a", b"x"))], cfg), "IMG003")
    # One secret value is one finding, reported at its first place (Env).
    assert [(f.path, f.line) for f in result.findings] == [("image.tar!config", 1)]
    assert "Env GH_TOKEN" in result.findings[0].message
    assert TOKEN not in result.findings[0].message


@pytest.mark.parametrize(("cfg", "where"), [
    (config(labels={"ci.token": TOKEN}), "label ci.token"),
    (config(history=(f"RUN |2 A=1 DEPLOY_TOKEN={TOKEN} /bin/sh -c make",)),
     "history step 0 (build argument DEPLOY_TOKEN)"),
])
def test_secret_places_in_the_config(tmp_path: Path, cfg: dict[str, object], where: str) -> None:
    result = _scan(docker_save(tmp_path / "image.tar", [layer(E("a", b"x"))], cfg), "IMG003")
    assert [f.message.rsplit(" in ", 1)[1] for f in result.findings] == [where]


@pytest.mark.parametrize(("user", "expected"), [
    (None, 1), ("", 1), ("root", 1), ("0", 1), ("0:0", 1), ("root:staff", 1),
    ("1000", 0), ("app", 0), ("10001:10001", 0),
])
def test_user(tmp_path: Path, user: str | None, expected: int) -> None:
    path = docker_save(tmp_path / "image.tar", [layer(E("a", b"x"))], config(user=user))
    result = _scan(path, "IMG004")
    assert len(result.findings) == expected
    assert all(f.path == "image.tar!config" and f.resource == 'image "app:1" config'
               for f in result.findings)


@pytest.mark.parametrize(("healthcheck", "expected"), [
    (None, 1), ({"Test": ["NONE"]}, 1), ({"Test": ["CMD-SHELL", "curl -f localhost"]}, 0),
])
def test_healthcheck(tmp_path: Path, healthcheck: dict[str, object] | None, expected: int) -> None:
    cfg = config(healthcheck=False)
    if healthcheck is not None:
        cfg["config"]["Healthcheck"] = healthcheck
    result = _scan(docker_save(tmp_path / "image.tar", [layer(E("a", b"x"))], cfg), "IMG005")
    assert len(result.findings) == expected


def test_unreadable_archive_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "image.tar"
    path.write_bytes(b"\x1f\x8b garbage")
    result = scan_archive(path, Config(root=tmp_path))
    assert [e.as_dict() for e in result.errors] == [
        {"path": "image.tar", "message": result.errors[0].message}]
    assert result.findings == []


def test_missing_archive(tmp_path: Path) -> None:
    result = scan_archive(tmp_path / "nope.tar", Config(root=tmp_path))
    assert [e.message for e in result.errors] == ["no such file or directory"]


def test_generic_matches_are_not_reported_in_third_party_code(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generic = SecretMatch(1, 1, 5, "secret-assignment", "secret", "s3cr…(12 chars)", "1", generic=True)
    monkeypatch.setattr("scanner.checks.image.layers.find_secrets", lambda text, name: [generic])
    layers = [layer(E("usr/lib/python3/dist-packages/lib/auth.py", b"token = self.next()\n"),
                    E("app/settings.py", b"token = 'kq8W...'\n"))]
    result = _scan(docker_save(tmp_path / "image.tar", layers), "IMG001")
    assert [f.path.split("/", 1)[1] for f in result.findings] == ["app/settings.py"]


def test_no_secret_value_leaves_the_scan(tmp_path: Path) -> None:
    cfg = config(user="root", env=(f"GH_TOKEN={TOKEN}",), labels={"key": KEY},
                 history=(f"RUN |1 TOKEN={TOKEN} /bin/sh -c make",))
    layers = [layer(E("app/.env", f"GH_TOKEN={TOKEN}\n".encode()), E("root/.ssh/id_rsa", KEY.encode()),
                    compress="gzip"),
              layer(E("app/.wh..env"), E("root/.ssh/.wh.id_rsa"))]
    result = scan_archive(docker_save(tmp_path / "image.tar", layers, cfg), Config(root=tmp_path))
    assert {f.rule for f in result.findings} == {"IMG001", "IMG002", "IMG003", "IMG004"}
    everything = json.dumps([f.as_dict() for f in result.findings]
                            + [e.as_dict() for e in result.errors] + result.notes)
    secret_lines = [TOKEN] + [line for line in KEY.splitlines() if "-----" not in line]
    assert not [value for value in secret_lines if value[4:] in everything]


def test_secret_allow_list(tmp_path: Path) -> None:
    layers = [layer(E("app/a.ini", f"token = {TOKEN}\n".encode()), E("app/b.ini", f"t = {KEY}".encode()))]
    path = docker_save(tmp_path / "image.tar", layers)
    everything = _scan(path, "IMG001").findings
    assert len(everything) == 2
    by_path = _scan(path, "IMG001", secret_allow_paths=("app/a.ini",)).findings
    assert [f.path.rsplit("/", 1)[1] for f in by_path] == ["b.ini"]
    by_fingerprint = _scan(path, "IMG001", secret_allow_fingerprints=(everything[1].fingerprint,)).findings
    assert by_fingerprint == everything[:1]
    by_digest = _scan(path, "IMG001", secret_allow_fingerprints=(digest(TOKEN),)).findings
    assert [f.path.rsplit("/", 1)[1] for f in by_digest] == ["b.ini"]


def test_a_realistic_build(tmp_path: Path) -> None:
    """Base OS layer, dependencies, the app copied with its secrets, then a cleanup layer: every
    rule reports what a reviewer would want to see, and nothing from the base or the libraries."""
    base = layer(E("etc/", kind=tarfile.DIRTYPE), E("etc/os-release", b"ID=debian\n"),
                 E("root/.bash_history", kind=tarfile.SYMTYPE, linkname="/dev/null"),
                 E("usr/share/doc/openssl/demo.pem", KEY.encode()), compress="gzip")
    deps = layer(E("usr/lib/python3/dist-packages/auth/client.py",
                   b"def login(token):\n    password = self.prompt()\n    token = get_token()\n"),
                 compress="gzip")
    app = layer(E("app/", kind=tarfile.DIRTYPE), E("app/main.py", b"print('hi')\n"),
                E("app/.env", f"DEBUG=0\nGITHUB_TOKEN={TOKEN}\n".encode()),
                E("app/.git/HEAD", b"ref: refs/heads/main\n"), E("app/.env.example", b"GITHUB_TOKEN=\n"),
                compress="gzip")
    cleanup = layer(E("app/.wh..env"), E("app/.wh..git"), compress="gzip")
    cfg = config(user="", healthcheck=False, env=("PATH=/usr/local/bin:/usr/bin", "GPG_KEY=A035C8C19219BA821E"),
                 history=("ADD rootfs.tar.xz / # buildkit", f"RUN |1 GH={TOKEN} /bin/sh -c pip install . # buildkit"))
    path = oci_dir(tmp_path / "layout", [base, deps, app, cleanup], cfg)
    result = scan_archive(path, Config(root=tmp_path, profiles=("strict",)))
    assert not result.errors
    found = sorted((f.rule, f.path.split("!", 1)[1], f.line) for f in result.findings)
    app_layer = found[0][1].split("/", 1)[0]
    assert app_layer.startswith("layer-2-")
    assert found == [
        ("IMG001", f"{app_layer}/app/.env", 2),
        ("IMG002", f"{app_layer}/app/.env", 1),
        ("IMG002", f"{app_layer}/app/.git", 1),
        ("IMG003", "config", 1),
        ("IMG004", "config", 1),
        ("IMG005", "config", 1),
    ]
    assert all(f.message.endswith("(deleted in a later layer but still in the image)")
               for f in result.findings if "/app/" in f.path)
