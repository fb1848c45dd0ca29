"""Reading cloud resources the same way for Terraform and CloudFormation.

A Terraform nested block is a sequence of mappings (`vpc_config { ... }` -> [ {...} ]) while its
CloudFormation twin is a plain mapping (`ResourcesVpcConfig: {...}`); these helpers walk both, so a
rule is one table of attribute paths per resource type instead of one copy per format. Absent and
unknown are kept apart: absent means the provider default applies, `Unknown` means "can't tell"
and is never reported.
"""

from __future__ import annotations

from typing import Any

from scanner.checks.cidr import everywhere
from scanner.nodes import Location, Node, Unknown, text
from scanner.results.findings import Hit, hit_at

WORLD = frozenset({"0.0.0.0/0", "::/0", "*", "internet", "any", "0.0.0.0"})


def report(resource: Any, node: Node | Location | None, key: str, **args: str) -> Hit:
    """A hit at the offending value (wherever the model located it, a variable default included),
    or at the resource's first line when the setting is missing."""
    return hit_at(node if node is not None else resource.loc, resource.label, key, **args)


def is_world(node: Node | None) -> bool:
    value = text(node)
    return value is not None and (value.strip().lower() in WORLD or everywhere(value))


def refers_to(node: Node | None, resource: Any) -> bool | None:
    """Whether a value points at `resource` (`aws_vpc.main.id`, `!Ref Vpc`, `!GetAtt Vpc.Arn`).
    False for a literal or a reference to another managed resource; None when the scanner can't
    follow it (a variable without a value, a data source, an expression)."""
    from scanner.model.cloud import Reference

    if isinstance(node, Reference):
        if node.target == resource.name or resource.name.startswith(node.target + "["):
            return True
        return None if node.target.startswith("data.") or ".data." in node.target else False
    if isinstance(node, Unknown):
        return None
    return False if text(node) is not None else None


