"""Every parser either returns a tree or raises `ParseError`, for any input, in bounded time.

The engine turns any other exception into a per-file error too, but a parser that leaks a
RecursionError or a library's own exception is a parser bug hidden behind a vague message, so the
parsers are held to their contract here: a tree, or a ParseError with a line, nothing else.
Parsers are found through `scanner.parse.PARSERS`, so a new one is tested as soon as it is named.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile_inputs import TOKENS, Case, available_kinds, bounded, cases_for, file_name, fixture_files, tokens_for
from scanner.discover import file_type
from scanner.parse import ParseError, parser_for

KINDS = available_kinds()
FILE_NAMES_FOR = {kind: file_name(kind, "dockerfile" if kind == "dockerfile" else "yaml") for kind in KINDS}
PARSED_FIXTURES = [(path, kind) for path in fixture_files()
                   if (kind := file_type(path.name, path.read_text(encoding="utf-8", errors="replace"))) in KINDS]
FUZZ = settings(max_examples=60, deadline=10_000,  # ms: generous, so a loaded CI machine does not flake
                suppress_health_check=[HealthCheck.too_slow])


def _parse(kind: str, text: str, name: str) -> None:
    parse = parser_for(kind)
    assert parse is not None
    try:
        parse(text, name)
    except ParseError as exc:
        assert isinstance(exc.line, int) and exc.line >= 0, exc.line
        assert exc.message


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(text=st.text(max_size=3000))
def test_any_text(kind: str, text: str) -> None:
    _parse(kind, text, FILE_NAMES_FOR[kind])


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(data=st.data())
def test_near_valid_text(kind: str, data: st.DataObject) -> None:
    pieces = data.draw(st.lists(st.sampled_from(tokens_for(kind)), max_size=200))
    _parse(kind, "".join(pieces), FILE_NAMES_FOR[kind])


@pytest.mark.parametrize("kind", [k for k in KINDS if k in ("terraform", "kubernetes")])
@FUZZ
@given(data=st.data())
def test_near_valid_json(kind: str, data: st.DataObject) -> None:
    pieces = data.draw(st.lists(st.sampled_from(TOKENS["json"]), max_size=300))
    _parse(kind, "".join(pieces), file_name(kind, "json"))


@FUZZ
@given(data=st.data())
def test_truncated_and_spliced_fixtures(data: st.DataObject) -> None:
    """Real files cut at a random point, or with a random slice removed or repeated."""
    path, kind = data.draw(st.sampled_from(PARSED_FIXTURES), label="fixture")
    text = path.read_text(encoding="utf-8")
    cut = data.draw(st.integers(0, len(text)), label="cut")
    end = data.draw(st.integers(cut, len(text)), label="end")
    how = data.draw(st.sampled_from(["truncate", "remove", "repeat"]), label="how")
    mutated = {"truncate": text[:cut], "remove": text[:cut] + text[end:],
               "repeat": text[:end] + text[cut:end] * 3 + text[end:]}[how]
    _parse(kind, mutated, path.name)


def _hostile_params() -> list[pytest.param]:
    params = []
    for kind in KINDS:
        for case in cases_for(kind):
            params.append(pytest.param(kind, case, id=f"{kind}-{case.name}"))
    return params


@pytest.mark.parametrize(("kind", "case"), _hostile_params())
def test_hostile_input(kind: str, case: Case) -> None:
    text = case.make(1.0)
    with bounded(10):
        _parse(kind, text, file_name(kind, case.syntax))


def test_every_parser_is_tested() -> None:
    """The parametrized lists above would quietly shrink if a parser's module went missing."""
    assert {"kubernetes", "compose", "cloudformation"} <= set(KINDS)
    assert all(cases_for(kind) for kind in KINDS)
    assert PARSED_FIXTURES
