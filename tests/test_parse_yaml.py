"""YAML parsing: every value's line and column, CloudFormation short tags, hostile input."""

from __future__ import annotations

import pytest

from scanner.nodes import Mapping, Scalar, Sequence, dig, known
from scanner.parse.parsers import ParseError
from scanner.parse.yaml import MAX_ALIAS_EXPANSION, parse_documents, parse_manifests

MULTI = """\
# leading comment
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
    - name: app
      command:
        - sh
        - -c
      args: |
        echo one
        echo two
---
---
apiVersion: v1
kind: Service
metadata:
  name: "web"
"""


def test_multi_document_lines_and_empty_documents() -> None:
    first, second = parse_documents(MULTI, "m.yaml")
    assert first.loc.line == 2 and second.loc.line == 16
    assert dig(second, "metadata", "name").loc[1:3] == (19, 9)


@pytest.mark.parametrize(("keys", "line", "column"), [
    (("metadata", "name"), 4, 18),                  # inside a flow mapping
    (("metadata", "labels", "app"), 4, 37),         # nested flow mapping
    (("spec", "containers", 0, "name"), 7, 13),     # block sequence item
    (("spec", "containers", 0, "command", 1), 10, 11),
    (("spec", "containers", 0, "args"), 11, 13),    # block scalar starts at its indicator
])
def test_value_positions(keys: tuple, line: int, column: int) -> None:
    node = dig(parse_documents(MULTI, "m.yaml")[0], *keys)
    assert (node.loc.line, node.loc.column) == (line, column)


def test_block_scalar_value_and_span() -> None:
    args = dig(parse_documents(MULTI, "m.yaml")[0], "spec", "containers", 0, "args")
    assert known(args) == "echo one\necho two\n"
    assert args.loc.end_line == 14


def test_key_locations_point_at_the_key() -> None:
    spec = dig(parse_documents(MULTI, "m.yaml")[0], "spec")
    assert isinstance(spec, Mapping)
    assert spec.keys["containers"][1:3] == (6, 3)


@pytest.mark.parametrize(("source", "expected"), [
    ("a: true", True), ("a: 'true'", "true"), ("a: 0x1F", 31), ("a: 1_000", 1000), ("a: 1.5", 1.5),
    ("a: ~", None), ("a: null", None), ("a: 0777", 777), ("a: yes", "yes"),
])
def test_scalar_types(source: str, expected: object) -> None:
    assert known(parse_documents(source, "t.yaml")[0].get("a")) == expected


CFN = """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-logs"
      Arn: !GetAtt Key.Arn
      Ref: !Ref Name
      Tags: !If [IsProd, [{Key: env, Value: prod}], !Ref AWS::NoValue]
      Joined: !Join ["-", [a, !Ref Env]]
      Cond: !Condition IsProd
      Secret: !!binary aGVsbG8=
"""


def test_cloudformation_short_tags_become_long_form() -> None:
    props = dig(parse_documents(CFN, "t.yaml")[0], "Resources", "Bucket", "Properties")
    assert known(dig(props, "BucketName", "Fn::Sub")) == "${AWS::StackName}-logs"
    assert [known(n) for n in dig(props, "Arn", "Fn::GetAtt")] == ["Key", "Arn"]
    assert known(dig(props, "Ref", "Ref")) == "Name"
    branches = dig(props, "Tags", "Fn::If")
    assert isinstance(branches, Sequence) and known(dig(branches, 2, "Ref")) == "AWS::NoValue"
    assert known(dig(props, "Joined", "Fn::Join", 1, 1, "Ref")) == "Env"
    assert known(dig(props, "Cond", "Condition")) == "IsProd"
    assert dig(props, "Arn").loc.line == 6


def test_unknown_local_tags_keep_their_value() -> None:
    node = parse_documents("a: !vault secret/path\n", "t.yaml")[0].get("a")
    assert isinstance(node, Scalar) and node.tag == "!vault" and node.value == "secret/path"


def test_merge_keys_and_shared_aliases() -> None:
    doc = parse_documents("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n", "t.yaml")[0]
    use = doc.get("use")
    assert known(use.get("x")) == 1 and known(use.get("y")) == 3
    assert use.keys["y"].line == 4


def _laughs(levels: int) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(levels):
        ref = chr(97 + i)
        lines.append(f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{ref}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_quickly() -> None:
    with pytest.raises(ParseError, match="alias") as raised:
        parse_documents(_laughs(8), "bomb.yaml")
    assert raised.value.line > 1


def test_modest_alias_use_is_fine() -> None:
    assert MAX_ALIAS_EXPANSION > 9 ** 3
    parse_documents(_laughs(3), "ok.yaml")


@pytest.mark.parametrize(("source", "line"), [
    ("a: [1, 2\nb: 3\n", 2),
    ("a: 1\n  b: 2\n", 2),
    ("key: value\n\t- tab\n", 2),
    ("a: 'unterminated\n", 2),
])
def test_invalid_yaml_reports_the_line(source: str, line: int) -> None:
    with pytest.raises(ParseError) as raised:
        parse_documents(source, "bad.yaml")
    assert raised.value.line == line
    assert raised.value.message.startswith("invalid YAML")


@pytest.mark.parametrize("source", ["[" * 10000 + "]" * 10000, "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 400))])
def test_deep_nesting_is_an_error_not_a_crash(source: str) -> None:
    with pytest.raises(ParseError):
        parse_documents(source, "deep.yaml")


def test_json_is_read_with_positions() -> None:
    doc = parse_documents('{\n  "kind": "Pod",\n  "spec": {"hostPID": true}\n}\n', "p.json")[0]
    assert known(dig(doc, "spec", "hostPID")) is True
    assert dig(doc, "spec", "hostPID").loc.line == 3


def test_custom_resource_definitions_are_not_converted_but_lines_hold() -> None:
    stream = ("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  x: 1\n"
              "---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n")
    (pod,) = parse_manifests(stream, "all.yaml")
    assert known(pod.get("kind")) == "Pod" and pod.loc.line == 6
