"""The parse cache's encoding gives back exactly the tree the parser made.

Every fixture a parser reads is parsed, encoded, decoded and compared with the fresh parse field by
field — every node's class, value, tag and location, every Dockerfile instruction's offsets, every
HCL attribute and block — and nodes the parser shared (YAML aliases) are still shared. Decoding
builds only the parser's own classes: anything else in a payload is refused.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pytest

from scanner.inputs.discover import file_type
from scanner.nodes import Location, Mapping, Node, Scalar
from scanner.parse.parsers import ParseError, parser_for
from scanner.run.tree_codec import Unencodable, decode, encode

FIXTURES = Path(__file__).parent / "fixtures"


def _parsed_fixtures() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(FIXTURES.rglob("*")):
        try:
            text = path.read_bytes().decode("utf-8-sig") if path.is_file() else None
        except UnicodeDecodeError:
            continue
        kind = file_type(path.name, text, "") if text is not None else "text"
        if parser_for(kind) is not None:
            found.append((path.relative_to(FIXTURES).as_posix(), kind, text))
    return found


CASES = _parsed_fixtures()


def _slots(cls: type) -> list[str]:
    return [name for klass in reversed(cls.__mro__) for name in getattr(klass, "__slots__", ())]


def assert_same(fresh: Any, decoded: Any, where: str = "tree", pairs: dict[int, Any] | None = None) -> None:
    """Structural equality, locations included; a node met twice in `fresh` must be one node met
    twice in `decoded` (and no two fresh nodes may become one)."""
    pairs = {} if pairs is None else pairs
    assert type(fresh) is type(decoded), f"{where}: {type(fresh).__name__} became {type(decoded).__name__}"
    if isinstance(fresh, Node):
        if id(fresh) in pairs:
            assert pairs[id(fresh)] is decoded, f"{where}: a shared node is no longer shared"
            return
        assert all(other is not decoded for other in pairs.values()), f"{where}: two nodes became one"
        pairs[id(fresh)] = decoded
        for name in _slots(type(fresh)):
            assert_same(getattr(fresh, name), getattr(decoded, name), f"{where}.{name}", pairs)
    elif dataclasses.is_dataclass(fresh):
        for field in dataclasses.fields(fresh):
            assert_same(getattr(fresh, field.name), getattr(decoded, field.name), f"{where}.{field.name}", pairs)
    elif isinstance(fresh, (list, tuple)):
        assert len(fresh) == len(decoded), f"{where}: {len(fresh)} items became {len(decoded)}"
        for index, (one, other) in enumerate(zip(fresh, decoded)):
            assert_same(one, other, f"{where}[{index}]", pairs)
    elif isinstance(fresh, dict):
        assert list(fresh) == list(decoded), f"{where}: keys differ"
        for key in fresh:
            assert_same(fresh[key], decoded[key], f"{where}[{key!r}]", pairs)
    elif isinstance(fresh, float) and math.isnan(fresh):
        assert math.isnan(decoded), where
    else:
        assert fresh == decoded, f"{where}: {fresh!r} became {decoded!r}"


def test_the_fixtures_cover_every_parsed_kind() -> None:
    assert {kind for _, kind, _ in CASES} >= {"dockerfile", "kubernetes", "compose", "cloudformation", "terraform"}


@pytest.mark.parametrize(("rel", "kind", "text"), CASES, ids=[rel for rel, _, _ in CASES])
def test_a_decoded_tree_is_the_fresh_parse(rel: str, kind: str, text: str) -> None:
    try:
        tree = parser_for(kind)(text, rel)  # type: ignore[misc]
    except ParseError:
        pytest.skip("a fixture the parser rejects: its error is never cached")
    assert_same(tree, decode(encode(tree, kind), kind))


def test_yaml_aliases_stay_shared() -> None:
    text = "base: &shared {image: nginx, ports: [80]}\none: *shared\ntwo: *shared\n"
    tree = parser_for("compose")(text, "compose.yaml")  # type: ignore[misc]
    document = decode(encode(tree, "compose"), "compose")[0]
    assert document.get("one") is document.get("two") is document.get("base")
    assert_same(tree, decode(encode(tree, "compose"), "compose"))


def test_deep_nesting_round_trips() -> None:
    text = "a: " + "[" * 200 + "x" + "]" * 200 + "\n"
    tree = parser_for("compose")(text, "deep.yaml")  # type: ignore[misc]
    assert_same(tree, decode(encode(tree, "compose"), "compose"))


class Foreign:
    """Not part of any parse tree."""


@pytest.mark.parametrize("value", [Foreign(), b"bytes", {1: "integer key"}, {"a", "set"}])
def test_anything_else_is_not_encoded(value: Any) -> None:
    mapping = Mapping(Location("x.yaml", 1))
    mapping.set("key", Location("x.yaml", 1), Scalar(value, Location("x.yaml", 1)))  # type: ignore[arg-type]
    with pytest.raises(Unencodable):
        encode([mapping], "kubernetes")
    with pytest.raises(Unencodable):
        encode([value], "kubernetes")


@pytest.mark.parametrize("payload", [
    [1, [], ["os.system", "touch /tmp/pwned"]],  # a tag naming something to call
    [1, [], ["Instruction", "RUN"]],  # a Dockerfile class in a YAML tree
    [1, ["x"], ["e", "var", ["t"], "x", ["p", 0, 1, 1, 1, 1]]],  # an HCL expression in a YAML tree
    [1, ["x"], ["m", ["p", 0, 1, 1, 1, 1], "k", ["p", 0, 1, 1, 1, 1], "not a node"]],
    [1, [], ["r", 5]],  # a reference to nothing
    [2, [], []],  # another format
    "not a list",
])
def test_decoding_builds_only_the_parsers_classes(payload: Any) -> None:
    with pytest.raises(ValueError):
        decode(json.dumps(payload).encode(), "kubernetes")
