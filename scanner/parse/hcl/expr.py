"""HCL expressions from python-hcl2's lark tree into nodes: literals become Scalar, Mapping and
Sequence; everything else becomes an `Expr`, an `Unknown` that keeps its structure.

A rule that meets an `Expr` sees an Unknown (never insecure); the Terraform evaluator reads the
structure and replaces it with a value where one can be known. Containers stay containers even when
an item is an expression, so `["0.0.0.0/0", var.extra]` still shows its literal item to a rule.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, Unknown

MAX_SOURCE = 200
SPLAT = "*"
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))", re.DOTALL)


class Expr(Unknown):
    """A non-literal expression. `kind` and `args`:
    var (name,) | get (base, steps: str attribute, Node index or SPLAT) | call (name, args, expand)
    | template (parts[, tag]) | cond (test, then, else) | binop (op, left, right) | unop (op, operand)
    | for (key_var, value_var, collection, key_expr, value_expr, condition, grouping)
    | object ((key, value), ...) when a key is itself an expression."""

    __slots__ = ("kind", "args")

    def __init__(self, kind: str, args: tuple[Any, ...], source: str, loc: Location) -> None:
        super().__init__(source[:MAX_SOURCE], loc, kind)
        self.kind = kind
        self.args = args

    def __repr__(self) -> str:
        return f"Expr({self.kind} {self.source!r}@{self.loc.line})"


def unescape(raw: str) -> str:
    """HCL quoted-string escapes; `$${` and `%%{` stand for literal `${` and `%{`."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if code:
            try:
                return chr(int(code, 16))
            except ValueError:
                return match.group(0)
        return _ESCAPES.get(match.group(3), match.group(0))

    return _ESCAPE.sub(one, raw).replace("$${", "${").replace("%%{", "%{")


class ExprConverter:
    """Converts expression subtrees of one file; `text` is the parsed source for `Expr.source`."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text

    def loc(self, item: Any) -> Location:
        meta = getattr(item, "meta", item)
        line = getattr(meta, "line", None)
        if line is None:
            return Location(self.path, 0)
        return Location(self.path, line, meta.column, meta.end_line, meta.end_column)

    def source(self, tree: Any) -> str:
        meta = tree.meta
        if getattr(meta, "empty", True):
            return ""
        return self.text[meta.start_pos:meta.end_pos].strip()

    def expr(self, tree: Any, kind: str, *args: Any) -> Expr:
        return Expr(kind, args, self.source(tree), self.loc(tree))

    def convert(self, tree: Any) -> Node:
        method = getattr(self, "_" + tree.data, None)
        if method is None:
            return Unknown(self.source(tree), self.loc(tree), f"unsupported {tree.data}")
        return method(tree)

    @staticmethod
    def trees(tree: Any) -> list[Any]:
        """Children that are subtrees, without newline/comment filler."""
        return [c for c in tree.children if hasattr(c, "data") and c.data != "new_line_or_comment"]

    def _expr_term(self, tree: Any) -> Node:
        inner = self.trees(tree)
        if len(inner) != 1:  # `( expression )`
            return Unknown(self.source(tree), self.loc(tree), "empty")
        return self.convert(inner[0])

    def _int_lit(self, tree: Any) -> Node:
        digits = str(tree.children[0])
        return Scalar(int(digits) if len(digits) < 1000 else float(digits), self.loc(tree))

    def _float_lit(self, tree: Any) -> Node:
        return Scalar(float(tree.children[0]), self.loc(tree))

    def _literal_value(self, tree: Any) -> Node:
        token = str(tree.children[0])
        return Scalar({"true": True, "false": False}.get(token), self.loc(tree))

    def _identifier(self, tree: Any) -> Node:
        return self.expr(tree, "var", str(tree.children[0]))

    def _keyword(self, tree: Any) -> Node:
        return self._identifier(tree)

    def _string(self, tree: Any) -> Node:
        return self.template(tree, [c for c in tree.children if hasattr(c, "data")])

    def _template_string(self, tree: Any) -> Node:
        return Scalar(unescape(str(tree.children[0])[2:-2]), self.loc(tree))

    def template(self, tree: Any, parts: list[Any]) -> Node:
        """A quoted string: literal text and interpolations. A lone `"${x}"` is `x` itself, as in HCL."""
        pieces: list[Node] = []
        for part in parts:
            child = part.children[0]
            if not hasattr(child, "data"):
                pieces.append(Scalar(unescape(str(child)), self.loc(child)))
            elif child.data == "interpolation":
                pieces.append(self.convert(self.trees(child)[0]))
            else:  # %{if}/%{for} directives: the text depends on them
                return Unknown(self.source(tree), self.loc(tree), "template directive")
        scalars = [p for p in pieces if isinstance(p, Scalar)]
        if len(scalars) == len(pieces):
            return Scalar("".join(str(p.value) for p in scalars), self.loc(tree))
        if len(pieces) == 1:
            return pieces[0]
        return self.expr(tree, "template", tuple(pieces))

    def _heredoc_template(self, tree: Any) -> Node:
        return self.heredoc(tree, trim=False)

    def _heredoc_template_trim(self, tree: Any) -> Node:
        return self.heredoc(tree, trim=True)

    def heredoc(self, tree: Any, trim: bool) -> Node:
        """Heredocs are templates, read by `scanner.parse.hcl.template.TemplateConverter`, the
        converter readers use; this base knows only expressions."""
        raise NotImplementedError

    def _tuple(self, tree: Any) -> Node:
        return Sequence(self.loc(tree), [self.convert(c) for c in self.trees(tree)])

    def _object(self, tree: Any) -> Node:
        result = Mapping(self.loc(tree))
        pairs: list[tuple[Node, Node]] = []
        literal_keys = True
        for elem in self.trees(tree):
            key_tree, value_tree = self.trees(elem)
            key = self.object_key(key_tree)
            value = self.convert(value_tree)
            pairs.append((key, value))
            if isinstance(key, Scalar):
                result.set(str(key.value), key.loc, value)
            else:
                literal_keys = False
        return result if literal_keys else self.expr(tree, "object", *pairs)

    def object_key(self, key_tree: Any) -> Node:
        """`{ name = 1 }` means the string "name"; only other expressions (`(var.k) = 1`) evaluate."""
        inner = self.trees(key_tree)[0]
        term = inner
        if term.data == "expr_term" and len(self.trees(term)) == 1:
            term = self.trees(term)[0]
        if term.data in ("identifier", "keyword"):
            return Scalar(str(term.children[0]), self.loc(term))
        return self.convert(inner)

    def _function_call(self, tree: Any) -> Node:
        names = [str(c.children[0]) for c in tree.children if getattr(c, "data", "") == "identifier"]
        arguments = next((c for c in tree.children if getattr(c, "data", "") == "arguments"), None)
        args: tuple[Node, ...] = ()
        expand = False
        if arguments is not None:
            args = tuple(self.convert(c) for c in self.trees(arguments))
            expand = any(getattr(c, "type", "") == "ELLIPSIS" for c in arguments.children)
        return self.expr(tree, "call", "::".join(names), args, expand)

    def _traversal(self, tree: Any) -> Node:
        """`a.b[0].c`, `a[*].b`, `a.*.b`: one `get` with the base and a flat list of steps."""
        steps: list[Any] = []
        node = tree
        while node.data in ("get_attr_expr_term", "index_expr_term", "attr_splat_expr_term",
                            "full_splat_expr_term"):
            base, step = self.trees(node)[0], self.trees(node)[1]
            steps[:0] = self.steps(step)
            node = base
            if node.data == "expr_term" and len(self.trees(node)) == 1:
                node = self.trees(node)[0]
        return self.expr(tree, "get", self.convert(node), tuple(steps))

    _get_attr_expr_term = _index_expr_term = _attr_splat_expr_term = _full_splat_expr_term = _traversal

    def steps(self, step: Any) -> list[Any]:
        if step.data == "get_attr":
            return [str(self.trees(step)[0].children[0])]
        if step.data == "short_index":
            return [Scalar(int(step.children[1]), self.loc(step))]
        if step.data == "braces_index":
            return [self.convert(self.trees(step)[0])]
        result: list[Any] = [SPLAT]  # attr_splat / full_splat with their trailing steps
        for child in self.trees(step):
            result.extend(self.steps(child))
        return result

    def _conditional(self, tree: Any) -> Node:
        test, then, other = (self.convert(c) for c in self.trees(tree))
        return self.expr(tree, "cond", test, then, other)

    def _binary_op(self, tree: Any) -> Node:
        left_tree, term = self.trees(tree)[:2]
        operator, right_tree = self.trees(term)
        return self.expr(tree, "binop", str(operator.children[0]).strip(), self.convert(left_tree),
                         self.convert(right_tree))

    def _unary_op(self, tree: Any) -> Node:
        operator = str(tree.children[0]).strip()
        operand = self.convert(self.trees(tree)[0])
        if operator == "-" and isinstance(operand, Scalar) and isinstance(operand.value, (int, float)):
            return Scalar(-operand.value, self.loc(tree))
        return self.expr(tree, "unop", operator, operand)

    def _for_tuple_expr(self, tree: Any) -> Node:
        return self.for_expr(tree, is_object=False)

    def _for_object_expr(self, tree: Any) -> Node:
        return self.for_expr(tree, is_object=True)

    def for_expr(self, tree: Any, is_object: bool) -> Node:
        parts = self.trees(tree)
        intro = parts[0]
        names = [str(c.children[0]) for c in self.trees(intro) if c.data == "identifier"]
        collection = self.convert(self.trees(intro)[-1])
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        rest = parts[1:]
        condition = None
        if rest and rest[-1].data == "for_cond":
            condition = self.convert(self.trees(rest[-1])[0])
            rest = rest[:-1]
        key_expr = self.convert(rest[0]) if is_object else None
        value_expr = self.convert(rest[-1])
        grouping = any(getattr(c, "type", "") == "ELLIPSIS" for c in tree.children)
        return self.expr(tree, "for", key_var, value_var, collection, key_expr, value_expr, condition,
                         grouping)
