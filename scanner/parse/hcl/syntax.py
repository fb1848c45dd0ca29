"""Terraform files (`.tf`, `.tfvars`, their `.json` forms, plan JSON) into an `HclFile`.

HCL is parsed with python-hcl2's lark grammar, whose tree keeps every token's line and column;
the tree is converted once into a body of attributes and blocks whose values are nodes. Expressions
stay symbolic (`Expr`) so the evaluator, not the parser, decides what is known.
"""

from __future__ import annotations

from typing import Any

from scanner.nodes import Location, Mapping
from scanner.parse.hcl.expr import unescape
from scanner.parse.hcl.json_syntax import body_from_json
from scanner.parse.hcl.template import TemplateConverter
from scanner.parse.hcl.tree import Attribute, Block, Body, HclFile
from scanner.parse.parsers import ParseError


def parse(text: str, path: str) -> HclFile:
    if path.lower().endswith(".json"):
        return _parse_json(text, path)
    from lark.exceptions import LarkError, UnexpectedInput

    from scanner.parse.hcl.grammar import parses_to_tree

    text = text.removeprefix("\ufeff")
    try:
        tree = parses_to_tree(text)
    except UnexpectedInput as exc:
        line = getattr(exc, "line", 0)
        last = max(text.count("\n") + (0 if text.endswith("\n") else 1), 1)
        raise ParseError(f"invalid HCL: {_describe(exc)}",
                         min(line, last) if isinstance(line, int) and line > 0 else 0) from None
    except LarkError as exc:
        raise ParseError(f"invalid HCL: {str(exc).splitlines()[0] if str(exc) else 'syntax error'}") \
            from None
    except RecursionError:
        raise ParseError("nesting is too deep to read") from None
    converter = _BodyConverter(path, text)
    try:
        return HclFile(path, converter.body(tree.children[0]))
    except RecursionError:
        raise ParseError("nesting is too deep to read") from None
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, StopIteration) as exc:
        # the grammar accepted something this reader does not expect; say so instead of crashing
        raise ParseError(f"unsupported HCL construct ({type(exc).__name__})") from None


def _describe(exc: Any) -> str:
    token = getattr(exc, "token", None)
    if token is not None and getattr(token, "type", "") == "$END":
        return "unexpected end of file (a block, bracket or heredoc left open?)"
    if token is not None and str(token).strip():
        written = str(token).strip().splitlines()[0]
        # Quote punctuation only: a word or a string token could be a credential, and errors
        # are printed (the scanner never prints a secret).
        if not any(ch.isalnum() for ch in written):
            return f"unexpected {written[:10]!r}"
        return f"unexpected {getattr(token, 'type', 'token').lower().replace('_', ' ')}"
    char = getattr(exc, "char", None)
    if char:
        return f"unexpected character {char!r}"
    return "unexpected end of input" if type(exc).__name__ == "UnexpectedEOF" else "syntax error"


class _BodyConverter(TemplateConverter):
    def body(self, tree: Any) -> Body:
        result = Body()
        for child in self.trees(tree):
            if child.data == "attribute":
                name_tree, value_tree = self.trees(child)[0], self.trees(child)[-1]
                name = self.name(name_tree)
                value = self.convert(value_tree)
                key_loc = self.loc(name_tree)
                span = Location(self.path, key_loc.line, key_loc.column, value.loc.end_line,
                                value.loc.end_column)
                result.attributes[name] = Attribute(name, value, key_loc, span)
            elif child.data == "block":
                result.blocks.append(self.block(child))
        return result

    def name(self, tree: Any) -> str:
        if tree.data == "string":
            return "".join(unescape_part(p) for p in tree.children if hasattr(p, "data"))
        return str(tree.children[0])

    def block(self, tree: Any) -> Block:
        parts = self.trees(tree)
        header = Location(self.path, tree.meta.line, tree.meta.column, tree.meta.line,
                          _line_end(self.text, tree.meta.start_pos, tree.meta.column))
        labels = tuple(self.name(p) for p in parts[1:-1])
        return Block(self.name(parts[0]), labels, self.body(parts[-1]), header, tree.meta.end_line)


def unescape_part(part: Any) -> str:
    child = part.children[0]
    return unescape(str(child)) if not hasattr(child, "data") else ""


def _line_end(text: str, start: int, column: int) -> int:
    end = text.find("\n", start)
    return column + ((end if end >= 0 else len(text)) - start)


def _parse_json(text: str, path: str) -> HclFile:
    """`.tf.json`: the JSON object is the body; nested objects of known block types are blocks."""
    from scanner.parse.yaml import parse_documents

    if "\t" in text:  # JSON allows tabs between tokens, YAML does not
        text = text.replace("\t", " ")
    documents = parse_documents(text, path)
    document = documents[0] if documents else Mapping(Location(path, 1))
    if not isinstance(document, Mapping):
        raise ParseError("a Terraform JSON file must hold an object", document.loc.line)
    if "planned_values" in document:
        return HclFile(path, Body(), "plan", document)
    return HclFile(path, body_from_json(document, path), "json")

