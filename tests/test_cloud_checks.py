"""The small judgments the cloud rules share: references, secret names and literals, port specs."""

from __future__ import annotations

import pytest

from scanner.checks.cloud.common import refers_to
from scanner.checks.cloud.network import ALL_PORTS, _ranges
from scanner.checks.cloud.secrets import literal_secret, secret_name
from scanner.model.cloud import CloudResource, Reference
from scanner.model.cloud_values import lookup, place
from scanner.nodes import Location, Mapping, Scalar, Sequence, Unknown

HERE = Location("main.tf", 1)


def _resource(fmt: str, type_: str, name: str, module: str = "") -> CloudResource:
    return CloudResource(fmt, type_, name, Mapping(HERE), HERE, module)


def _ref(target: str, source: str = "") -> Reference:
    return Reference(source or f"{target}.id", HERE, "known after apply", target, "id")


VPC = _resource("terraform", "aws_vpc", "aws_vpc.main")


@pytest.mark.parametrize(("node", "resource", "expected"), [
    (_ref("aws_vpc.main"), VPC, True),
    (_ref("aws_vpc.main"), _resource("terraform", "aws_vpc", "aws_vpc.main[0]"), True),
    (_ref("module.net.aws_vpc.main"),
     _resource("terraform", "aws_vpc", "module.net.aws_vpc.main", "module.net"), True),
    (_ref("aws_vpc.other"), VPC, False),
    (_ref("data.aws_vpc.main"), VPC, None),
    (Unknown("var.vpc_id", HERE), VPC, None),
    (Scalar("vpc-0123", HERE), VPC, False),
    (_ref("Vpc", "Ref Vpc"), _resource("cloudformation", "AWS::EC2::VPC", "Vpc"), True),
    (_ref("Subnet", "Ref Subnet"), _resource("cloudformation", "AWS::EC2::VPC", "Vpc"), False),
    (Unknown("Ref VpcId", HERE, "parameter without a default"),
     _resource("cloudformation", "AWS::EC2::VPC", "Vpc"), None),
])
def test_refers_to(node, resource, expected):
    assert refers_to(node, resource) is expected


@pytest.mark.parametrize(("name", "expected"), [
    ("db_password", True), ("DBPassword", True), ("GitHubToken", True), ("api_key", True),
    ("client_secret", True), ("password_length", False), ("db_password_secret_arn", False),
    ("SecretName", False), ("token_ttl", False), ("kms_key_id", False), ("ssh_public_key", False),
    ("secret_store_backend", False),
])
def test_secret_name(name, expected):
    assert secret_name(name) is expected


@pytest.mark.parametrize(("value", "expected"), [
    ("Sup3r-S3cret", True), ("changeme", True), ("", False), ("   ", False),
    ("{{resolve:secretsmanager:prod/db:SecretString:password}}", False), ("${var.password}", False),
    ("<your password>", False), ("********", False), ("arn:aws:secretsmanager:eu-west-1:1:secret:x", False),
    ("/prod/db/password", False), ("true", False), (True, False), (32, False),
])
def test_literal_secret(value, expected):
    assert literal_secret(Scalar(value, HERE)) is expected


@pytest.mark.parametrize(("spec", "expected"), [
    ("22", (22, 22)), ("1000-2000", (1000, 2000)), ("*", ALL_PORTS), (" 443 ", (443, 443)), ("http", None),
])
def test_port_ranges(spec, expected):
    assert _ranges(spec) == expected


def test_lookup_reads_blocks_and_mappings_alike_and_keeps_unknown():
    block = Mapping(Location("main.tf", 3))
    block.set("enabled", Location("main.tf", 4), Scalar(True, Location("main.tf", 4)))
    hcl = Mapping(HERE)
    hcl.set("network_policy", Location("main.tf", 2), Sequence(Location("main.tf", 2), [block]))
    hcl.set("dynamic", Location("main.tf", 6), Unknown("var.x", Location("main.tf", 6)))
    assert lookup(hcl, "network_policy.enabled").value is True
    assert isinstance(lookup(hcl, "dynamic.enabled"), Unknown)
    assert lookup(hcl, "missing.enabled") is None


def test_place_reports_an_inline_yaml_list_at_its_key_and_a_default_at_the_value():
    types = Mapping(Location("t.yaml", 5))
    types.set("EnabledTypes", Location("t.yaml", 5, 3), Sequence(Location("t.yaml", 6, 5), []))
    types.set("FromDefault", Location("t.yaml", 9, 3), Sequence(Location("variables.tf", 2, 13), []))
    assert place(types, "EnabledTypes") == Location("t.yaml", 5, 3)
    assert place(types, "FromDefault").loc == Location("variables.tf", 2, 13)
