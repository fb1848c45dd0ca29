"""ARM template functions that compute from known values: strings, logic, arrays and objects.

Each takes its evaluated arguments as plain Python values (`scanner.model.arm.values.plain`) and
returns one; a function given an unknown argument is never called (its result is Unknown). What
only Resource Manager knows at deploy time (`reference`, `list*`, `newGuid`, `utcNow`,
`resourceGroup()`, `uniqueString`...) is not here, so it is Unknown. Sizes are bounded: a
`range` or `concat` that would build a huge value fails instead, which also reads as Unknown.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

from scanner.model.arm.values import as_text

MAX_ITEMS = 10_000
MAX_TEXT = 1024 * 1024
_FORMAT_ITEM = re.compile(r"\{\{|\}\}|\{(\d+)(?:,[^}:]*)?(?::[^}]*)?\}")


class Invalid(Exception):
    """Arguments the function cannot take (the template would fail to deploy): Unknown."""


def _size(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_TEXT or isinstance(value, (list, dict)) and len(value) > MAX_ITEMS:
        raise Invalid("value too large")
    return value


def _concat(*args: Any) -> Any:
    if args and all(isinstance(arg, list) for arg in args):
        return _size([item for arg in args for item in arg])
    return _size("".join(as_text(arg) for arg in args))


def _format(template: str, *args: Any) -> str:
    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        index = int(match.group(1))
        if index >= len(args):
            raise Invalid("format index out of range")
        return as_text(args[index])

    return _size(_FORMAT_ITEM.sub(replace, str(template)))


def _equals(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()  # ARM compares strings without regard to case
    return bool(left == right)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and len(value) == 0)


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, dict):
        return any(str(key).lower() == str(item).lower() for key in container)
    if isinstance(container, str):
        return str(item).lower() in container.lower() if isinstance(item, str) else str(item) in container
    return any(_equals(entry, item) for entry in container)


def _union(*args: Any) -> Any:
    if all(isinstance(arg, dict) for arg in args):
        merged: dict[str, Any] = {}
        for arg in args:
            merged.update(arg)
        return merged
    result: list[Any] = []
    for arg in args:
        result.extend(item for item in arg if item not in result)
    return _size(result)


def _intersection(first: Any, *rest: Any) -> Any:
    if isinstance(first, dict):
        return {key: value for key, value in first.items() if all(other.get(key) == value for other in rest)}
    return [item for item in first if all(item in other for other in rest)]


def _create_object(*pairs: Any) -> dict[str, Any]:
    if len(pairs) % 2:
        raise Invalid("createObject needs name-value pairs")
    return {str(pairs[i]): pairs[i + 1] for i in range(0, len(pairs), 2)}


def _json(text: Any) -> Any:
    try:
        return json.loads(str(text))
    except ValueError as exc:
        raise Invalid("not JSON") from exc


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        if value.lower() not in ("true", "false"):
            raise Invalid("not a boolean")
        return value.lower() == "true"
    return bool(value)


def _range(start: Any, count: Any) -> list[int]:
    if not isinstance(start, int) or not isinstance(count, int) or not 0 <= count <= MAX_ITEMS:
        raise Invalid("range out of bounds")
    return list(range(start, start + count))


def _first(value: Any) -> Any:
    return (value[0] if value else None) if isinstance(value, (list, str)) else None


def _last(value: Any) -> Any:
    return (value[-1] if value else None) if isinstance(value, (list, str)) else None


def _coalesce(*args: Any) -> Any:
    return next((arg for arg in args if arg is not None), None)


def _length(value: Any) -> int:
    return len(value)


def _numbers(function: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def apply(left: Any, right: Any) -> Any:
        if not isinstance(left, (int, float)) or not isinstance(right, (int, float)):
            raise Invalid("not a number")
        return function(left, right)
    return apply


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Invalid("not an integer") from exc


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "concat": _concat, "format": _format, "equals": _equals, "empty": _empty, "contains": _contains,
    "union": _union, "intersection": _intersection, "createarray": lambda *a: list(a),
    "createobject": _create_object, "json": _json, "string": as_text, "bool": _bool, "int": _int,
    "array": lambda value: value if isinstance(value, list) else [value],
    "tolower": lambda value: str(value).lower(), "toupper": lambda value: str(value).upper(),
    "trim": lambda value: str(value).strip(),
    "replace": lambda value, old, new: _size(str(value).replace(str(old), str(new))),
    "split": lambda value, sep: str(value).split(sep) if isinstance(sep, str) else _split_any(str(value), sep),
    "startswith": lambda value, prefix: str(value).lower().startswith(str(prefix).lower()),
    "endswith": lambda value, suffix: str(value).lower().endswith(str(suffix).lower()),
    "indexof": lambda value, part: str(value).lower().find(str(part).lower()),
    "substring": lambda value, start, length=None: str(value)[start:None if length is None else start + length],
    "length": _length, "first": _first, "last": _last, "coalesce": _coalesce, "range": _range,
    "take": lambda value, count: value[:max(count, 0)], "skip": lambda value, count: value[max(count, 0):],
    "min": lambda *a: min(a[0] if len(a) == 1 and isinstance(a[0], list) else a),
    "max": lambda *a: max(a[0] if len(a) == 1 and isinstance(a[0], list) else a),
    "add": _numbers(lambda a, b: a + b), "sub": _numbers(lambda a, b: a - b),
    "mul": _numbers(lambda a, b: a * b), "div": _numbers(lambda a, b: a // b if b else _zero()),
    "mod": _numbers(lambda a, b: a % b if b else _zero()),
    "less": _numbers(lambda a, b: a < b), "greater": _numbers(lambda a, b: a > b),
    "lessorequals": _numbers(lambda a, b: a <= b), "greaterorequals": _numbers(lambda a, b: a >= b),
    "not": lambda value: not _bool(value), "and": lambda *a: all(_bool(x) for x in a),
    "or": lambda *a: any(_bool(x) for x in a), "true": lambda: True, "false": lambda: False,
    "null": lambda: None, "base64": lambda value: base64.b64encode(str(value).encode()).decode(),
    "base64tostring": lambda value: base64.b64decode(str(value)).decode("utf-8", "replace"),
    "items": lambda value: [{"key": k, "value": v} for k, v in value.items()],
    "uri": lambda base, relative: str(base).rsplit("/", 1)[0] + "/" + str(relative).lstrip("/"),
}


def _split_any(value: str, separators: list[Any]) -> list[str]:
    parts = [value]
    for separator in separators:
        parts = [piece for part in parts for piece in part.split(str(separator))]
    return parts


def _zero() -> Any:
    raise Invalid("division by zero")


def call(name: str, args: list[Any]) -> Any:
    """The function's result; raises KeyError for a function not computed here, Invalid for
    arguments it can't take."""
    function = FUNCTIONS[name]
    try:
        return function(*args)
    except (TypeError, ValueError, IndexError, AttributeError, KeyError, OverflowError) as exc:
        raise Invalid(str(exc)) from exc
