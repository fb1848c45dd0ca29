"""python-hcl2's Lark grammar, built once per process and before any file's time budget starts.

Building the LALR tables takes over a second of CPU. python-hcl2 builds them on first use, inside
whichever file's parse comes first (so on a loaded runner that file, and on a read-only install,
where its cache file can't be written, every run's first file times out), and keeps a pickled
cache beside its own code. Here the grammar is built in memory, without any cache file (nothing to
write on a read-only install, nothing to load that someone else could have written), and the scan
builds it up front (`warm`) whenever Terraform files are to be parsed, in the main process before
worker processes fork from it.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def parser() -> Any:
    """The Lark parser python-hcl2 itself would build, without its cache file."""
    import hcl2.parser
    from hcl2.postlexer import PostLexer
    from lark import Lark

    return Lark.open("hcl2.lark", parser="lalr", rel_to=hcl2.parser.__file__, propagate_positions=True,
                     postlex=PostLexer())


def parses_to_tree(text: str) -> Any:
    """python-hcl2's raw tree of `text` (it appends a newline the same way: Lark has no EOF token)."""
    return parser().parse(text + "\n")


def warm() -> None:
    """Build the grammar now, outside any budget."""
    parser()
