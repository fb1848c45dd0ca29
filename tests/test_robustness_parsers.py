"""Every parser either returns a tree or raises `ParseError`, for any input, in bounded time.

The engine turns any other exception into a per-file error too, but a parser that leaks a
RecursionError or a library's own exception is a parser bug hidden behind a vague message, so the
parsers are held to their contract here: a tree, or a ParseError with a line, nothing else.
Parsers are found through `scanner.parse.parsers.PARSERS`, so a new one is tested as soon as it is named.
"""

from __future__ import annotations

import pytest
from hostile_inputs import TOKENS, Case, available_kinds, bounded, cases_for, file_name, fixture_files, tokens_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.inputs.discover import file_type
from scanner.parse.parsers import ParseError, parser_for

KINDS = available_kinds()
FILE_NAMES_FOR = {kind: file_name(kind, "dockerfile" if kind == "dockerfile" else "yaml") for kind in KINDS}
PARSED_FIXTURES = [(path, kind) for path in fixture_files()
                   if (kind := file_type(path.name, path.read_text(encoding="utf-8", errors="replace"))) in KINDS]
# No Hypothesis deadline (a wall-clock limit, which a loaded machine breaks): each example is bounded
# by the CPU time it may use instead (`fuzz_parse`).
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXAMPLE_CPU_SECONDS = 10


def _parse(kind: str, text: str, name: str) -> None:
    parse = parser_for(kind)
    assert parse is not None
    try:
        parse(text, name)
    except ParseError as exc:
        assert isinstance(exc.line, int) and exc.line >= 0, exc.line
        assert exc.message


def fuzz_parse(kind: str, text: str, name: str) -> None:
    with bounded(EXAMPLE_CPU_SECONDS):
        _parse(kind, text, name)


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(text=st.text(max_size=3000))
def test_any_text(kind: str, text: str) -> None:
    fuzz_parse(kind, text, FILE_NAMES_FOR[kind])


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(data=st.data())
def test_near_valid_text(kind: str, data: st.DataObject) -> None:
    pieces = data.draw(st.lists(st.sampled_from(tokens_for(kind)), max_size=200))
    fuzz_parse(kind, "".join(pieces), FILE_NAMES_FOR[kind])


@pytest.mark.parametrize("kind", [k for k in KINDS if k in ("terraform", "kubernetes")])
@FUZZ
@given(data=st.data())
def test_near_valid_json(kind: str, data: st.DataObject) -> None:
    pieces = data.draw(st.lists(st.sampled_from(TOKENS["json"]), max_size=300))
    fuzz_parse(kind, "".join(pieces), file_name(kind, "json"))


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
    fuzz_parse(kind, mutated, path.name)


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


# Shapes that decide what a consumer reads: the reader must agree with a small reference model
# of kubectl's decoder (go-yaml v2) and of Compose's (go-yaml v3), whatever the keys and order.
KEYS = st.sampled_from(["a", "b", "c", "kind", "privileged"])
WORDS = st.sampled_from(["v1", "x", "true", "false", "y", "no", "7"])
PAIRS = st.lists(st.tuples(KEYS, WORDS), min_size=1, max_size=8)


def _plain_documents(text: str, kubernetes: bool = True) -> list[object]:
    from scanner.nodes import to_plain
    from scanner.parse.yaml import parse_documents, parse_manifests

    return [to_plain(d) for d in (parse_manifests(text, "p.yaml") if kubernetes else parse_documents(text, "p.yaml"))]


def _core_1_2(word: str) -> object:
    """The WORDS as the YAML 1.2 core schema (and go-yaml v3, hence Compose) reads them."""
    return {"true": True, "false": False, "7": 7}.get(word, word)


def _go_v2(word: str) -> object:
    from scanner.parse.yaml import go_yaml_v2_value

    return go_yaml_v2_value(word)


@FUZZ
@given(pairs=PAIRS)
def test_duplicate_keys_keep_the_last_value(pairs: list[tuple[str, str]]) -> None:
    text = "".join(f"{key}: {word}\n" for key, word in pairs)
    expected = {key: _go_v2(word) for key, word in pairs}
    assert _plain_documents("apiVersion: v1\nkind: ConfigMap\ndata:\n" + "".join(
        f"  {key}: {word}\n" for key, word in pairs))[0]["data"] == expected
    assert _plain_documents(text, kubernetes=False)[0] == {key: _core_1_2(word) for key, word in pairs}


@FUZZ
@given(before=PAIRS, merged=st.lists(PAIRS, min_size=1, max_size=3), after=PAIRS)
def test_merges_follow_go_yaml(before: list[tuple[str, str]], merged: list[list[tuple[str, str]]],
                               after: list[tuple[str, str]]) -> None:
    """kubectl (go-yaml v2): a merge applies where it stands, earlier merged mappings winning;
    Compose (go-yaml v3): explicit keys always win, then the earlier merged mapping."""
    flows = ", ".join("{" + ", ".join(f"{k}: {w}" for k, w in pairs) + "}" for pairs in merged)
    body = "".join(f"  {k}: {w}\n" for k, w in before) + f"  <<: [{flows}]\n" + "".join(
        f"  {k}: {w}\n" for k, w in after)
    kube: dict[str, object] = {k: _go_v2(w) for k, w in before}
    for pairs in reversed(merged):
        kube.update({k: _go_v2(w) for k, w in pairs})
    kube.update({k: _go_v2(w) for k, w in after})
    assert _plain_documents("data:\n" + body)[0]["data"] == kube

    compose: dict[str, object] = {}
    for pairs in merged:
        for k, w in dict(pairs).items():
            compose.setdefault(k, _core_1_2(w))
    compose.update({k: _core_1_2(w) for k, w in before + after})
    assert _plain_documents("data:\n" + body, kubernetes=False)[0]["data"] == compose


@FUZZ
@given(kinds=st.lists(st.sampled_from(["Pod", "CustomResourceDefinition", '"CustomResourceDefinition"']),
                      min_size=1, max_size=4),
       indent=st.sampled_from(["", "  ", "    "]))
def test_a_document_is_dropped_only_when_its_last_kind_is_a_crd(kinds: list[str], indent: str) -> None:
    document = "".join(f"{indent}{line}\n" for line in
                       ["apiVersion: v1", *(f"kind: {kind}" for kind in kinds), "metadata: {name: x}"])
    other = "apiVersion: v1\nkind: Pod\nmetadata: {name: other}\n"
    documents = _plain_documents(document + "---\n" + other)
    dropped = kinds[-1].strip('"') == "CustomResourceDefinition"
    assert len(documents) == (1 if dropped else 2)
    assert documents[-1]["metadata"] == {"name": "other"}


MANIFEST_VALUES = st.dictionaries(st.sampled_from(["app", "tier", "team"]), st.sampled_from(["web", "db", "x"]),
                                  min_size=1, max_size=3)


@FUZZ
@given(labels=MANIFEST_VALUES, indent=st.sampled_from(["", " ", "  ", "    "]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"]))
def test_indentation_and_encoding_change_nothing(labels: dict[str, str], indent: str, encoding: str) -> None:
    """A manifest indented as a whole, or saved in another encoding kubectl or PowerShell uses,
    is classified, decoded and parsed the same, line for line."""
    from scanner.inputs.decoding import decode

    lines = ["apiVersion: v1", "kind: Pod", "metadata:", "  name: web", "  labels:",
             *(f"    {key}: {value}" for key, value in labels.items())]
    text = "".join(indent + line + "\n" for line in lines)
    decoded = decode(text.encode(encoding))
    assert decoded == text
    assert file_type("pod.yaml", decoded) == "kubernetes"
    (document,) = _plain_documents(decoded)
    assert document["metadata"] == {"name": "web", "labels": labels}
