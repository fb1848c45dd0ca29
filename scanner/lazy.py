"""Import a `module:name` target when it is first needed.

Parsers, model builders, reporters and check functions are named by such strings in tables, so
that a scan loads only the code its files need (a Compose-only scan never imports the Terraform
interpreter). Every table resolves its names here.
"""

from __future__ import annotations

import importlib
from typing import Any


def load(target: str) -> Any:
    """The object `name` of `module` in `module:name`."""
    module_name, _, name = target.partition(":")
    return getattr(importlib.import_module(module_name), name)
