"""HCL parsing: structure, literal values, symbolic expressions and exact lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.nodes import Mapping, Scalar, Sequence, Unknown
from scanner.parse.hcl.expr import Expr
from scanner.parse.hcl.syntax import parse
from scanner.parse.hcl.tree import HclFile
from scanner.parse.parsers import ParseError

NESTED = (Path(__file__).parent / "fixtures" / "terraform" / "nested.tf").read_text()


def test_blocks_labels_and_nested_lines() -> None:
    tree = parse(NESTED, "main.tf")
    block = tree.body.blocks[0]
    assert (block.type, block.labels, block.loc.line, block.end_line) == (
        "resource", ("aws_security_group", "web"), 1, 14)
    ingress = block.body.blocks_of("ingress")
    assert [b.loc.line for b in ingress] == [4, 8]
    port = ingress[0].body.attributes["from_port"]
    assert (port.value.value, port.key_loc.line, port.key_loc.column) == (22, 5, 5)
    cidrs = ingress[0].body.attributes["cidr_blocks"].value
    assert isinstance(cidrs, Sequence)
    assert (cidrs.items[0].value, cidrs.items[0].loc.line, cidrs.items[0].loc.column) == ("0.0.0.0/0", 6, 20)
    assert block.body.blocks_of("lifecycle")[0].body.attributes["create_before_destroy"].value.value is True


@pytest.mark.parametrize(("source", "expected"), [
    ('x = "plain"', "plain"),
    ("x = 42", 42),
    ("x = -3", -3),
    ("x = 1.5", 1.5),
    ("x = true", True),
    ("x = null", None),
    (r'x = "a\"b\\n\u00e9"', 'a"b\\né'),
    ('x = "$${not.interpolated}"', "${not.interpolated}"),
])
def test_literals(source: str, expected: object) -> None:
    value = parse(source + "\n", "a.tf").body.attributes["x"].value
    assert isinstance(value, Scalar) and value.value == expected


def test_objects_keep_key_lines() -> None:
    tree = parse('tags = {\n  Name = "x"\n  "Team" = "y"\n}\n', "a.tf")
    tags = tree.body.attributes["tags"].value
    assert isinstance(tags, Mapping)
    assert (tags.keys["Name"].line, tags.keys["Team"].line, tags.get("Team").value) == (2, 3, "y")


@pytest.mark.parametrize(("source", "kind"), [
    ("x = var.image", "get"),
    ("x = aws_kms_key.k[0].arn", "get"),
    ("x = upper(var.a)", "call"),
    ('x = "${var.a}-suffix"', "template"),
    ("x = var.a ? 1 : 2", "cond"),
    ("x = var.a == 1", "binop"),
    ("x = !var.a", "unop"),
    ("x = [for s in var.l : upper(s)]", "for"),
    ("x = { for k, v in var.m : k => v }", "for"),
    ("x = { (var.k) = 1 }", "object"),
    ("x = aws_instance.web[*].id", "get"),
])
def test_expressions_stay_symbolic(source: str, kind: str) -> None:
    value = parse(source + "\n", "a.tf").body.attributes["x"].value
    assert isinstance(value, Expr) and isinstance(value, Unknown)
    assert value.kind == kind
    assert value.source == source[4:]


def test_container_with_one_expression_keeps_its_literals() -> None:
    value = parse('x = ["0.0.0.0/0", var.extra]\n', "a.tf").body.attributes["x"].value
    assert isinstance(value, Sequence)
    assert value.items[0].value == "0.0.0.0/0" and isinstance(value.items[1], Expr)


def test_heredoc_text_and_lines() -> None:
    source = 'resource "x" "y" {\n  policy = <<EOF\n{\n  "a": 1\n}\nEOF\n  after = 1\n}\n'
    body = parse(source, "a.tf").body.blocks[0].body
    policy = body.attributes["policy"].value
    assert isinstance(policy, Scalar)
    assert policy.value == '{\n  "a": 1\n}\n'
    assert (policy.loc.line, policy.loc.end_line) == (2, 6)
    assert body.attributes["after"].key_loc.line == 7


def test_indented_heredoc_is_trimmed() -> None:
    source = "x = <<-EOT\n    one\n      two\n    EOT\n"
    assert parse(source, "a.tf").body.attributes["x"].value.value == "one\n  two\n"


def test_heredoc_interpolation_is_a_template_at_its_line() -> None:
    source = 'x = <<EOT\n#!/bin/sh\nexport PASSWORD=${var.password}\nEOT\n'
    value = parse(source, "a.tf").body.attributes["x"].value
    assert isinstance(value, Expr) and value.kind == "template"
    interpolation = value.args[0][1]
    assert isinstance(interpolation, Expr) and interpolation.source == "var.password"
    assert interpolation.loc.line == 3


def test_json_syntax() -> None:
    source = '{\n  "resource": {\n    "aws_s3_bucket": {\n      "b": {\n        "bucket": "${var.n}",\n' \
             '        "acl": "private"\n      }\n    }\n  },\n  "variable": {"n": {"default": "x"}}\n}\n'
    tree = parse(source, "main.tf.json")
    resource = tree.body.blocks_of("resource")[0]
    assert resource.labels == ("aws_s3_bucket", "b")
    assert resource.loc.line == 4
    assert isinstance(resource.body.attributes["bucket"].value, Expr)
    assert resource.body.attributes["acl"].value.value == "private"
    assert tree.body.blocks_of("variable")[0].labels == ("n",)


def test_tfvars() -> None:
    tree = parse('region = "eu-west-1"\nzones = ["a", "b"]\n', "prod.tfvars")
    assert tree.body.attributes["zones"].value.items[1].value == "b"


def test_plan_json_is_kept_whole() -> None:
    tree = parse('{"format_version": "1.2", "planned_values": {"root_module": {}}}', "plan.json")
    assert isinstance(tree, HclFile) and tree.syntax == "plan"


@pytest.mark.parametrize(("source", "line"), [
    ('resource "a" "b" {\n  x = \n}\n', 2),
    ('a = 1\nb = [1, 2\nc = 3\n', 3),
    ('resource "a" "b" {\n  x = "unterminated\n}\n', 2),
    ("a = 1\n}\n", 2),
    ('resource "a" "b" {\n  bucket = "x"\n', 2),  # left open: reported at the last line
])
def test_bad_hcl_reports_its_line(source: str, line: int) -> None:
    with pytest.raises(ParseError) as error:
        parse(source, "bad.tf")
    assert error.value.line == line


def test_bad_json_reports_its_line() -> None:
    with pytest.raises(ParseError) as error:
        parse('{\n  "resource": {\n    "a": [1,\n}\n', "main.tf.json")
    assert error.value.line >= 3


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab=" {}[]()<>$%\n\t.,:?!-*#/\\1EOT')), max_size=60))
def test_arbitrary_text_only_raises_parse_error(text: str) -> None:
    try:
        parse(text, "fuzz.tf")
    except ParseError:
        pass
