"""Fixes of cloud settings that are one literal: encryption on, public access off, scanning and
rotation on. A literal in the wrong state is replaced where it is written (a resource, or the
default of the variable it comes from); a setting left out is added to the Terraform resource
block when its attribute is the same for every resource of the type. An expression, a module
input or a CloudFormation parameter is left alone: its value is decided elsewhere."""

from __future__ import annotations

from collections.abc import Mapping

from scanner.fix import hcl_edit, yaml_edit
from scanner.fix.edits import Change, Value
from scanner.fix.source import Unfixable
from scanner.fix.target import Target


def _set(target: Target, bad: tuple[object, ...], good: Value,
         missing: Mapping[str, tuple[str, ...]] | None = None) -> list[Change]:
    """`good` in place of a literal among `bad`; where nothing is written, `missing[type]` (the
    block path and attribute) in the resource the finding points at."""
    finding, source = target.finding, target.source
    if target.kind == "terraform":
        literal = hcl_edit.literal_at(source, target.tree, finding.line, finding.column)
        if literal is not None:
            _check(literal.value, bad)
            return [hcl_edit.replace_literal(source, literal, good)]
        block = hcl_edit.block_at(target.tree, finding.line, finding.column)
        path = (missing or {}).get(block.labels[0] if block is not None and block.labels else "")
        if block is None or block.type != "resource" or not path:
            raise Unfixable("the value is not a literal in this file; fix it where it comes from")
        change = hcl_edit.set_in_block(source, block, list(path), good)
        return [change] if change else []
    tree = target.yaml
    scalar = tree.value_at(finding.line, finding.column)
    if scalar is None:
        raise Unfixable("the setting is missing from the template; add it to the resource's Properties")
    _check(scalar.value, bad)
    return [yaml_edit.replace_scalar(tree, scalar, good)]


def _check(value: object, bad: tuple[object, ...]) -> None:
    words = {str(item).lower() for item in bad}
    if str(value).lower() not in words:
        raise Unfixable("the value written there is not one this fix replaces")


def scan_on_push(target: Target) -> list[Change]:
    return _set(target, (False,), True, {"aws_ecr_repository": ("image_scanning_configuration", "scan_on_push")})


def immutable_tags(target: Target) -> list[Change]:
    return _set(target, ("MUTABLE",), "IMMUTABLE", {"aws_ecr_repository": ("image_tag_mutability",)})


def admin_user_off(target: Target) -> list[Change]:
    return _set(target, (True,), False)


def anonymous_pull_off(target: Target) -> list[Change]:
    return _set(target, (True,), False)


def public_network_access_off(target: Target) -> list[Change]:
    return _set(target, (True,), False, {"azurerm_container_registry": ("public_network_access_enabled",)})


def key_rotation_on(target: Target) -> list[Change]:
    return _set(target, (False,), True, {"aws_kms_key": ("enable_key_rotation",)})


def encryption_on(target: Target) -> list[Change]:
    return _set(target, (False,), True)


def legacy_authorization_off(target: Target) -> list[Change]:
    return _set(target, (True,), False)


def node_auto_upgrade_on(target: Target) -> list[Change]:
    return _set(target, (False,), True)


def efs_transit_encryption_on(target: Target) -> list[Change]:
    return _set(target, ("DISABLED",), "ENABLED")


def no_public_ip(target: Target) -> list[Change]:
    return _set(target, (True, "ENABLED"), "DISABLED" if target.kind == "cloudformation" else False)
