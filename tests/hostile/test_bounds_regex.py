"""Inputs that made a pattern (or a search repeated from every match) quadratic: each is judged in
full now, where it used to run into the per-file budget, or past it, before any budget applied."""

from __future__ import annotations

from pathlib import Path

from attacks import write_tree
from bounds_run import scan

HEADER = "-----BEGIN RSA PRIVATE KEY-----"


def test_legacy_env_line_with_a_long_blank_run(tmp_path: Path) -> None:
    """`ENV NAME value`, then 60 KB of blanks and one more character: the value's lazy match
    retried the blank run at every character (10 s, then "took longer than 10 s")."""
    write_tree(tmp_path, {"Dockerfile": "FROM alpine:3.19\nENV API_TOKEN x" + " " * 60_000 + "y\nUSER 1000\n"})
    result = scan(tmp_path)
    assert result.errors == {}
    assert result.names("Dockerfile")


def test_many_private_key_headers_without_a_footer(tmp_path: Path) -> None:
    """Every header searched the next 20,000 characters for a footer again: 300,000 headers (9.9 MB)
    cost over 5 s of CPU, past a 3 s budget (now under 1 s). Budgets count CPU time, so the
    verdict does not depend on how loaded the machine is."""
    headers = (HEADER + "!\n") * 300_000
    write_tree(tmp_path, {f"keys{index}.txt": headers for index in range(2)})
    result = scan(tmp_path, "--file-timeout", "3")
    assert result.errors == {}
    assert result.process.returncode == 0


def test_a_private_key_after_many_headers_is_still_found(tmp_path: Path) -> None:
    body = "\n".join(["MIIEowIBAAKCAQEA7a9c1e5b3f2d4c6e8a0b2d4f6a8c0e2"] * 8)
    text = (HEADER + "!\n") * 1000 + f"{HEADER}\n{body}\n-----END RSA PRIVATE KEY-----\n"
    write_tree(tmp_path, {"key.txt": text})
    assert any(path == "key.txt" for _, path in scan(tmp_path).rules)


def test_pyproject_of_blank_lines(tmp_path: Path) -> None:
    """The line of each `[tool.hullscan]` key was found with `^\\s*KEY\\s*=`: on a pyproject.toml of
    blank lines, quadratic (30 s for 100 KB), while reading the configuration, before any budget."""
    write_tree(tmp_path, {"pyproject.toml": "\n" * 300_000 + '[tool.hullscan]\nfail-on = "high"\n',
                          "Dockerfile": "FROM alpine:3.19\n"})
    result = scan(tmp_path)
    assert result.errors == {}
    assert result.process.returncode == 1  # DKR001 is high
