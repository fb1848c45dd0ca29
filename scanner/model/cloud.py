"""The cloud model: Terraform and CloudFormation resources after evaluation, in one shape.

Rules about clusters, registries, networks and keys read this model, never the templates: the
evaluators have already put variable defaults, tfvars, locals, module inputs, Parameters, Conditions
and Mappings in place, and left `Unknown` wherever a value is only known at deploy time. A value
that came from somewhere else (a variable default, a tfvars file, a module call, a Mapping) keeps
the location where it was written, so a finding points at the insecure literal itself.

What a check reads: `CloudModel.of_type(...)` and each resource's `attrs` (`blocks()` for nested
blocks either way they are written); `Reference` to relate an unknown value to the resource it
comes from (`CloudModel.target_of`); `json_document()` for policies and task definitions kept as
strings; `CloudModel.variables` and `provider_configs()` for secrets in declarations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from scanner.model import cloud_values as values
from scanner.nodes import Location, Mapping, Node, Scalar, Unknown, dig
from scanner.nodes import Sequence as NodeSequence


class Reference(Unknown):
    """An unknown value read from another resource: `aws_kms_key.k.arn`, `!GetAtt Key.Arn`,
    `!Ref Key`. `target` is that resource's `CloudResource.name` (module prefix and instance key
    included: `module.app.aws_kms_key.k[0]`, `data.aws_iam_role.r`); `attribute` is what was read
    (`arn`; "" for a CloudFormation `Ref`). Rules that relate resources (a bucket and its logging,
    a cluster and its key) compare targets instead of parsing source text."""

    __slots__ = ("target", "attribute")

    def __init__(self, source: str, loc: Location, reason: str, target: str, attribute: str) -> None:
        super().__init__(source, loc, reason)
        self.target = target
        self.attribute = attribute


class Encoded(Scalar):
    """A JSON string the template computed (`jsonencode(...)`, an `aws_iam_policy_document`'s
    `.json`). `document` is the value before encoding, each part located where it was written
    (a variable default, a `principals` block), so a check that reads the JSON can report the
    line of the offending part rather than the line of the call. Tag `partial`: some leaves were
    unknown and are written as `${<source>}` in the text."""

    __slots__ = ("document",)

    def __init__(self, value: str, loc: Location, tag: str, document: Node) -> None:
        super().__init__(value, loc, tag)
        self.document = document


@dataclass(frozen=True)
class CloudResource:
    """One resource (one instance when `count`/`for_each` is known).

    `format`: "terraform", "cloudformation" or "arm". `type`: `aws_eks_cluster`,
    `AWS::EKS::Cluster` or `Microsoft.ContainerService/managedClusters` (an ARM resource's `name`
    is its evaluated name, its symbolic name or the written expression when that is unknown, and
    its `attrs` are the whole resource object: `properties`, `sku`, `identity`...).
    `name`: the Terraform address (`module.app.aws_eks_cluster.main`, `aws_x.y[0]`) or the
    CloudFormation logical id. `attrs`: evaluated arguments / Properties; a nested Terraform block
    is a Sequence of Mappings under the block's name, even when there is one. `loc`: the resource's
    first line, where a missing setting is reported. `module`: the module call it came through.
    """

    format: str
    type: str
    name: str
    attrs: Mapping
    loc: Location
    module: str = ""

    @property
    def label(self) -> str:
        """How findings name the resource: `aws_eks_cluster.main`, `Cluster/EksCluster`."""
        if self.format == "cloudformation":
            return f"{self.type.rsplit('::', 1)[-1]}/{self.name}"
        if self.format == "arm":
            return f"{self.type.rsplit('/', 1)[-1]}/{self.name}"
        return self.name

    def get(self, *keys: str | int) -> Node | None:
        """The evaluated argument exactly as the interpreter left it (lists kept, `null` kept):
        what the interpreters' own tests compare. Rules read through `lookup` and the others."""
        return dig(self.attrs, *keys)

    def lookup(self, path: str) -> Node | None:
        """The value at a dotted path of the arguments (`vpc_config.endpoint_public_access`)."""
        return values.lookup(self.attrs, path)

    def blocks(self, path: str) -> list[Mapping]:
        """Every block (or object) at a dotted path, repeated blocks and lists flattened."""
        return list(values.blocks(self.attrs, path))

    def flag(self, path: str, default: bool | None) -> tuple[bool | None, Node | None]:
        """A boolean setting: (value, node); `default` when absent, None when unknown."""
        return values.flag(self.attrs, path, default)

    def setting(self, path: str) -> tuple[str | None, Node | None, bool]:
        """A string setting: (lower-cased value, node, known)."""
        return values.setting(self.attrs, path)

    def place(self, path: str) -> Node | Location | None:
        """Where to report the value at `path` (its key, for a list or block written in place)."""
        return values.place(self.attrs, path)


@dataclass(frozen=True)
class CloudVariable:
    """A Terraform `variable` or a CloudFormation Parameter, as declared.

    `sensitive` is Terraform's `sensitive = true` or CloudFormation's `NoEcho: true`; `default`
    is the default value's node (None when there is none); `loc` is the declaration's first line.
    """

    format: str
    name: str
    default: Node | None
    sensitive: bool
    loc: Location

    @property
    def label(self) -> str:
        if self.format == "arm":
            return f"parameters/{self.name}"
        return f'variable "{self.name}"' if self.format == "terraform" else f"Parameter/{self.name}"


@dataclass
class CloudModel:
    """`modules`: Terraform module calls, each a CloudResource whose `type` is the call's `source`
    (`terraform-aws-modules/eks/aws`) and whose `attrs` are its evaluated inputs (and `version`):
    a registry module's resources are not in the scan, but the inputs given to it are."""

    resources: list[CloudResource] = field(default_factory=list)
    variables: list[CloudVariable] = field(default_factory=list)
    providers: list[CloudResource] = field(default_factory=list)
    modules: list[CloudResource] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the evaluators could not read, for the report

    def __iter__(self) -> Iterator[CloudResource]:
        return iter(self.resources)

    def of_type(self, *types: str) -> list[CloudResource]:
        return [r for r in self.resources if r.type in types]

    def find(self, name: str, module: str = "") -> CloudResource | None:
        """A resource by address or logical id (within one module, as references are)."""
        for resource in self.resources:
            if resource.module == module and (resource.name == name
                                              or resource.name == f"{module}.{name}"):
                return resource
        return None

    def target_of(self, node: Node | None) -> CloudResource | None:
        """The resource a `Reference` points at (the first instance when it names them all)."""
        if not isinstance(node, Reference):
            return None
        exact = next((r for r in self.resources if r.name == node.target), None)
        return exact or next((r for r in self.resources if r.name.startswith(node.target + "[")), None)

    def provider_configs(self, name: str) -> list[CloudResource]:
        """Terraform `provider "aws" {...}` blocks (aliases included), arguments evaluated.

        Each is a CloudResource whose `type` is the provider's name (`aws`) and whose `name` is
        `provider.aws` (`provider.aws.west` for an alias), so checks read `attrs` as usual."""
        return [p for p in self.providers if p.type == name]

    def extend(self, other: CloudModel) -> None:
        self.resources.extend(other.resources)
        self.variables.extend(other.variables)
        self.providers.extend(other.providers)
        self.modules.extend(other.modules)
        self.notes.extend(other.notes)


def json_document(node: Node | None) -> Node | None:
    """A JSON document a template holds as a string (a policy, ECS container definitions), as
    located nodes; None when `node` is not a known JSON object or array.

    `jsonencode(...)` and policy documents give their value before encoding; heredoc JSON is read
    with its own lines (its text starts on the line after `<<EOF`); any other JSON string is read
    with every part located at the string. A document already written as an object (CloudFormation's
    `PolicyDocument`, a `.tf.json` value) is returned as it is."""
    if isinstance(node, (Mapping, NodeSequence)):
        return node
    if isinstance(node, Encoded):
        return node.document if isinstance(node.document, (Mapping, NodeSequence)) else None
    if not isinstance(node, Scalar) or not isinstance(node.value, str) \
            or not node.value.lstrip().startswith(("{", "[")):
        return None
    from scanner.parse.parsers import ParseError
    from scanner.parse.yaml import parse_documents

    try:
        documents = parse_documents(node.value.replace("\t", " "), node.loc.path)
    except ParseError:
        return None
    if len(documents) != 1 or not isinstance(documents[0], (Mapping, NodeSequence)):
        return None
    offset = node.loc.line if node.tag == "heredoc" else None
    return _relocate(documents[0], node.loc, offset)


def _relocate(node: Node, at: Location, offset: int | None) -> Node:
    """Lines moved down by `offset`, or every location set to `at` when there is no offset."""
    def moved(loc: Location) -> Location:
        return loc._replace(line=loc.line + offset, end_line=loc.end_line + offset) \
            if offset is not None else at

    node.loc = moved(node.loc)
    if isinstance(node, Mapping):
        node.keys = {key: moved(loc) for key, loc in node.keys.items()}
        for value in node.values.values():
            _relocate(value, at, offset)
    elif isinstance(node, NodeSequence):
        for item in node.items:
            _relocate(item, at, offset)
    return node
