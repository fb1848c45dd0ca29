"""What an HCL file is after parsing: attributes and blocks whose values are located nodes.

Its own module so that the two readers that produce it (native HCL in `syntax`, `.tf.json` in
`json_syntax`) and the Terraform interpreter that walks it depend on it, not on each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.nodes import Location, Node


@dataclass
class Attribute:
    """`name = value`; `key_loc` is where the name is written, `loc` the whole line(s)."""

    name: str
    value: Node
    key_loc: Location
    loc: Location


@dataclass
class Body:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def blocks_of(self, block_type: str) -> list[Block]:
        return [b for b in self.blocks if b.type == block_type]


@dataclass
class Block:
    """`type "label" ... { body }`; `loc` is the header line, where a missing setting is reported."""

    type: str
    labels: tuple[str, ...]
    body: Body
    loc: Location
    end_line: int = 0


@dataclass
class HclFile:
    """`syntax` is "hcl", "json" (`.tf.json`, `.tfvars.json`) or "plan" (`terraform show -json`,
    whose document is kept whole in `document`)."""

    path: str
    body: Body
    syntax: str = "hcl"
    document: Node | None = None
