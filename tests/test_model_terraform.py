"""Terraform evaluation: variables, tfvars, locals, modules, count/for_each, functions, plans."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.adapters.cloud import build
from scanner.inputs.discover import walk
from scanner.inputs.parsed import ParsedFile
from scanner.inputs.reading import read_source
from scanner.model.cloud import CloudModel, CloudResource, Encoded, Reference
from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, Unknown, dig, known, truth
from scanner.parse.hcl.syntax import parse
from scanner.parse.parsers import ParseError
from scanner.settings.config import Config

FIXTURES = Path(__file__).parent / "fixtures" / "terraform"


def model_of(files: dict[str, str], config: Config | None = None) -> CloudModel:
    parsed = [ParsedFile(rel, "terraform", text, parse(text, rel)) for rel, text in files.items()]
    return build(parsed, config or Config())


def project(name: str, config: Config | None = None) -> CloudModel:
    root = FIXTURES / name
    files = [read_source(source, Config(root=root)) for source in walk([str(root)], root)]
    return build([f for f in files if isinstance(f, ParsedFile)], config or Config(root=root))


def one(model: CloudModel, name: str) -> CloudResource:
    found = [r for r in model.resources if r.name == name]
    assert len(found) == 1, [r.name for r in model.resources]
    return found[0]


def where(node: Node | None) -> tuple[str, int]:
    assert node is not None
    return node.loc.path, node.loc.line


def evaluate(expression: str, extra: str = "") -> Node | None:
    model = model_of({"main.tf": f'{extra}\nresource "t" "r" {{\n  v = {expression}\n}}\n'})
    return one(model, "t.r").get("v")


@pytest.mark.parametrize(("expression", "expected"), [
    ('merge({ a = 1 }, { b = 2 })', {"a": 1, "b": 2}),
    ('concat(["a"], ["b", "c"])', ["a", "b", "c"]),
    ('lookup({ a = "x" }, "a", "d")', "x"),
    ('lookup({ a = "x" }, "b", "d")', "d"),
    ('try(local.missing.key, "fallback")', "fallback"),
    ('try({ a = 1 }.b, "fallback")', "fallback"),
    ('coalesce("", "b")', "b"),
    ('format("%s-%d", "a", 3)', "a-3"),
    ('tolist(["a"])', ["a"]),
    ('toset(["a"])', ["a"]),
    ('tostring(5)', "5"),
    ('lower("ABC")', "abc"),
    ('upper("abc")', "ABC"),
    ('length(["a", "b"])', 2),
    ('jsonencode({ Principal = "*" })', '{"Principal":"*"}'),
    ('"${1 + 2}x"', "3x"),
    ('true && false', False),
    ('1 == 1 ? "y" : "n"', "y"),
    ('[for s in ["a", "b"] : upper(s) if s != "b"]', ["A"]),
    ('{ for s in ["a"] : s => "${s}!" }', {"a": "a!"}),
    ('["x", "y"][1]', "y"),
    ('element(["x", "y"], 3)', "y"),
    ('join(",", ["a", "b"])', "a,b"),
    ('flatten([["a"], ["b"]])', ["a", "b"]),
    ('contains(["a"], "a")', True),
    ('keys({ a = 1 })', ["a"]),
    ('compact(["a", "", null])', ["a"]),
    ('zipmap(["a"], [1])', {"a": 1}),
    ('format("%v/%t", "x", true)', "x/true"),
])
def test_functions_and_operators(expression: str, expected: object) -> None:
    from scanner.model.terraform.collections import plain

    value = evaluate(expression)
    assert value is not None and plain(value) == expected


@pytest.mark.parametrize("expression", [
    "var.nothing", "data.aws_ami.x.id", "aws_kms_key.k.arn", "unknownfunc(1)",
    'var.nothing ? "a" : "b"', 'merge(var.nothing, { a = 1 })', '"${var.nothing}-x"',
    "var.nothing && true", "timestamp()", "local.undeclared",
])
def test_unknown_stays_unknown(expression: str) -> None:
    extra = 'variable "nothing" {}\nresource "aws_kms_key" "k" {}\n'
    value = evaluate(expression, extra)
    assert isinstance(value, Unknown)
    assert value.loc.line == 5  # where it is used, not where the variable is declared


def test_three_valued_logic_short_circuits() -> None:
    extra = 'variable "nothing" {}\n'
    assert known(evaluate("false && var.nothing", extra)) is False
    assert known(evaluate("var.nothing || true", extra)) is True


def test_variable_default_keeps_its_location() -> None:
    model = model_of({
        "variables.tf": 'variable "public" {\n  type    = bool\n  default = true\n}\n',
        "main.tf": 'resource "aws_eks_cluster" "c" {\n  vpc_config {\n'
                   '    endpoint_public_access = var.public\n  }\n}\n',
    })
    cluster = one(model, "aws_eks_cluster.c")
    value = dig(cluster.attrs, "vpc_config", 0, "endpoint_public_access")
    assert truth(value) is True and where(value) == ("variables.tf", 3)
    assert cluster.loc.line == 1 and cluster.label == "aws_eks_cluster.c" and cluster.module == ""


def test_nested_blocks_are_sequences_even_when_single() -> None:
    resource = one(model_of({"main.tf": NESTED}), "aws_security_group.web")
    ingress = resource.get("ingress")
    assert isinstance(ingress, Sequence) and len(ingress) == 2
    assert [b.loc.line for b in resource.blocks("ingress")] == [4, 8]
    assert isinstance(resource.get("lifecycle", 0), Mapping)


NESTED = (FIXTURES / "nested.tf").read_text()


def test_count_makes_one_resource_per_instance() -> None:
    model = model_of({"main.tf": 'resource "aws_kms_key" "k" {\n  count = 2\n'
                                 '  enable_key_rotation = count.index == 0\n}\n'
                                 'resource "aws_kms_key" "off" {\n  count = 0\n}\n'})
    assert [(r.name, known(r.get("enable_key_rotation"))) for r in model.resources] == [
        ("aws_kms_key.k[0]", True), ("aws_kms_key.k[1]", False)]


def test_for_each_and_unknown_count() -> None:
    model = model_of({"main.tf": 'variable "n" {}\n'
                                 'resource "aws_ecr_repository" "r" {\n  for_each = { api = "A", web = "B" }\n'
                                 '  name = each.value\n}\n'
                                 'resource "aws_ecr_repository" "u" {\n  count = var.n\n  name = "x${count.index}"\n}\n'})
    names = {r.name: r.get("name") for r in model.resources}
    assert known(names['aws_ecr_repository.r["api"]']) == "A"
    assert known(names['aws_ecr_repository.r["web"]']) == "B"
    assert isinstance(names["aws_ecr_repository.u"], Unknown)


def test_dynamic_blocks_expand() -> None:
    model = model_of({"main.tf": 'locals {\n  ports = [22, 443]\n}\n'
                                 'resource "aws_security_group" "s" {\n  dynamic "ingress" {\n'
                                 '    for_each = local.ports\n    content {\n      from_port = ingress.value\n'
                                 '      cidr_blocks = ["0.0.0.0/0"]\n    }\n  }\n}\n'})
    blocks = one(model, "aws_security_group.s").blocks("ingress")
    assert [known(b.get("from_port")) for b in blocks] == [22, 443]
    assert where(blocks[0].get("from_port")) == ("main.tf", 2)


def test_dynamic_block_with_unknown_collection_keeps_literals() -> None:
    model = model_of({"main.tf": 'variable "rules" {}\nresource "aws_security_group" "s" {\n'
                                 '  dynamic "ingress" {\n    for_each = var.rules\n    iterator = rule\n'
                                 '    content {\n      from_port = rule.value.port\n'
                                 '      cidr_blocks = ["0.0.0.0/0"]\n    }\n  }\n}\n'})
    (block,) = one(model, "aws_security_group.s").blocks("ingress")
    assert isinstance(block.get("from_port"), Unknown)
    assert known(dig(block, "cidr_blocks", 0)) == "0.0.0.0/0"


def test_resource_references_read_set_arguments() -> None:
    model = model_of({"main.tf": 'resource "aws_s3_bucket" "logs" {\n  bucket = "my-logs"\n}\n'
                                 'resource "aws_s3_bucket_logging" "l" {\n'
                                 '  target_bucket = aws_s3_bucket.logs.bucket\n'
                                 '  arn = aws_s3_bucket.logs.arn\n}\n'})
    logging = one(model, "aws_s3_bucket_logging.l")
    assert known(logging.get("target_bucket")) == "my-logs"
    assert isinstance(logging.get("arn"), Unknown) and logging.get("arn").reason == "known after apply"


def test_reference_cycles_are_unknown() -> None:
    model = model_of({"main.tf": 'locals {\n  a = local.b\n  b = local.a\n}\n'
                                 'resource "t" "r" {\n  v = local.a\n}\n'})
    assert isinstance(one(model, "t.r").get("v"), Unknown)


def test_project_with_module_and_tfvars() -> None:
    model = project("project")
    cluster = one(model, "aws_eks_cluster.main")
    assert known(cluster.get("name")) == "prod-cluster"  # prefix from terraform.tfvars
    cidrs = dig(cluster.attrs, "vpc_config", 0, "public_access_cidrs")
    assert [known(c) for c in cidrs] == ["0.0.0.0/0", "10.0.0.0/8"]
    assert where(cidrs.items[0]) == ("terraform.tfvars", 2)
    assert where(dig(cluster.attrs, "vpc_config", 0, "endpoint_public_access")) == ("variables.tf", 11)
    assert known(dig(cluster.attrs, "tags", "Name")) == "prod-cluster"
    assert truth(one(model, "aws_kms_key.eks").get("enable_key_rotation")) is True
    repos = model.of_type("aws_ecr_repository")
    assert sorted(r.name for r in repos) == ['module.registry.aws_ecr_repository.repo["api"]',
                                              'module.registry.aws_ecr_repository.repo["worker"]']
    for repo in repos:
        scan = dig(repo.attrs, "image_scanning_configuration", 0, "scan_on_push")
        assert truth(scan) is False and where(scan) == ("terraform.tfvars", 3)
        assert repo.module == "module.registry" and repo.loc.path == "modules/registry/main.tf"
    policy = one(model, "module.registry.aws_ecr_repository_policy.pull[1]")
    assert known(policy.get("repository")) == "prod-cluster/worker"
    assert '"Principal":"*"' in known(policy.get("policy"))


def test_no_expression_survives_evaluation() -> None:
    from scanner.nodes import walk as walk_nodes
    from scanner.parse.hcl.expr import Expr

    for resource in project("project").resources:
        assert not any(isinstance(node, Expr) for _, node in walk_nodes(resource.attrs))


def test_module_directories_are_not_scanned_again_as_roots() -> None:
    names = [r.name for r in project("project").resources]
    assert not any(n.startswith("aws_ecr_repository") for n in names)


def test_variables_and_providers() -> None:
    model = project("project")
    password = next(v for v in model.variables if v.name == "db_password")
    assert (known(password.default), password.sensitive, password.loc.line) == ("changeme-123", True, 38)
    assert password.label == 'variable "db_password"'
    (aws,) = model.provider_configs("aws")
    assert aws.name == "provider.aws" and isinstance(aws.get("region"), Unknown)


def test_var_files_override_tfvars(tmp_path: Path) -> None:
    var_file = tmp_path / "prod.tfvars"
    var_file.write_text('public = false\n')
    files = {"main.tf": 'variable "public" {}\nresource "t" "r" {\n  v = var.public\n}\n',
             "terraform.tfvars": "public = true\n"}
    assert known(one(model_of(files), "t.r").get("v")) is True
    assert known(one(model_of(files, Config(var_files=(var_file,))), "t.r").get("v")) is False


def test_plan_json() -> None:
    model = project("plan")
    assert sorted((r.name, r.module) for r in model.resources) == [
        ("aws_ecr_repository.app", ""), ("module.eks.aws_eks_cluster.this[0]", "module.eks")]
    cluster = one(model, "module.eks.aws_eks_cluster.this[0]")
    assert truth(dig(cluster.attrs, "vpc_config", 0, "endpoint_public_access")) is True
    assert cluster.loc.path == "plan.json"
    repo = one(model, "aws_ecr_repository.app")
    assert isinstance(repo.get("arn"), Unknown)  # known after apply, not absent
    assert isinstance(dig(repo.attrs, "encryption_configuration", 0, "kms_key"), Unknown)
    assert truth(dig(repo.attrs, "image_scanning_configuration", 0, "scan_on_push")) is False
    assert where(dig(repo.attrs, "image_scanning_configuration", 0, "scan_on_push")) == ("plan.json", 15)


def test_never_raises_on_odd_input() -> None:
    model = model_of({"main.tf": 'resource "t" "r" {\n  a = 1 / 0\n  b = "x" + 1\n  c = [1][5]\n'
                                 '  d = { a = 1 }[var.x]\n  e = format("%d", "x")\n  f = tonumber("x")\n}\n'
                                 'resource "t" {\n}\nmodule "m" {\n  source = "./m"\n}\n'
                                 'module "loop" {\n  source = "./"\n}\n'})
    resource = one(model, "t.r")
    assert all(isinstance(resource.get(k), Unknown) for k in "abcdef")



@pytest.mark.parametrize("source", [
    # a local that doubles itself: 2**40 characters if evaluated naively
    "locals {\n  a0 = \"xxxxxxxxxxxxxxxx\"\n"
    + "".join(f'  a{i + 1} = "${{local.a{i}}}${{local.a{i}}}"\n' for i in range(40))
    + "}\nresource \"t\" \"r\" {\n  v = local.a40\n}\n",
    "locals {\n  l0 = [1, 2, 3, 4]\n"
    + "".join(f"  l{i + 1} = concat(local.l{i}, local.l{i})\n" for i in range(40))
    + "}\nresource \"t\" \"r\" {\n  v = length(local.l40)\n}\n",
    'resource "t" "r" {\n  count = 1000000000\n}\n',
    'resource "t" "r" {\n  v = format("%0999999999d", 1)\n}\n',
])
def test_hostile_templates_end_in_unknown(source: str) -> None:
    model = model_of({"main.tf": source})
    assert 1 <= len(model.resources) <= 50_000
    value = model.resources[0].get("v")
    assert value is None or isinstance(value, Unknown)


def test_module_outputs_count_and_nesting() -> None:
    model = model_of({
        "main.tf": 'module "net" {\n  source = "./net"\n  open = true\n}\n'
                   'module "app" {\n  source = "./app"\n  count = 2\n  cidr = module.net.cidr\n}\n',
        "net/main.tf": 'variable "open" {}\noutput "cidr" {\n  value = var.open ? "0.0.0.0/0" : "10.0.0.0/8"\n}\n',
        "app/main.tf": 'variable "cidr" {}\nmodule "sg" {\n  source = "../sg"\n  cidr = var.cidr\n}\n',
        "sg/main.tf": 'variable "cidr" {}\nresource "aws_security_group_rule" "in" {\n'
                      '  cidr_blocks = [var.cidr]\n}\n',
    })
    rules = model.of_type("aws_security_group_rule")
    assert [(r.name, r.module) for r in rules] == [
        ("module.app[0].module.sg.aws_security_group_rule.in", "module.app[0].module.sg"),
        ("module.app[1].module.sg.aws_security_group_rule.in", "module.app[1].module.sg")]
    cidr = dig(rules[0].attrs, "cidr_blocks", 0)
    assert known(cidr) == "0.0.0.0/0" and where(cidr) == ("net/main.tf", 3)


def test_remote_modules_are_skipped_and_json_syntax_evaluates() -> None:
    model = model_of({
        "main.tf.json": '{\n  "variable": {"mutable": {"default": "MUTABLE"}}, "//": "comment",\n'
                        '  "module": {"vpc": {"source": "terraform-aws-modules/vpc/aws"}},\n'
                        '  "resource": {"aws_ecr_repository": {"r": {\n'
                        '    "image_tag_mutability": "${var.mutable}",\n'
                        '    "image_scanning_configuration": {"scan_on_push": false}\n  }}}\n}\n',
    })
    (repo,) = model.resources
    assert known(repo.get("image_tag_mutability")) == "MUTABLE"
    assert where(repo.get("image_tag_mutability")) == ("main.tf.json", 2)
    assert truth(repo.blocks("image_scanning_configuration")[0].get("scan_on_push")) is False
    assert repo.loc.line == 4


_EXPRESSIONS = st.recursive(
    st.sampled_from(['1', '"a"', "true", "null", "var.v", "var.m", "local.l", "count.index",
                     "aws_x.y.z", "each.key", '"${var.v}"', "[]", "{}"]),
    lambda inner: st.one_of(
        st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(
            ["merge", "concat", "lookup", "try", "coalesce", "format", "join", "element", "length",
             "jsonencode", "tolist", "upper", "contains", "flatten", "keys", "substr", "min"]),
            inner, inner),
        st.builds(lambda a, op, b: f"({a} {op} {b})", inner,
                  st.sampled_from(["+", "-", "/", "%", "==", "!=", "<", "&&", "||"]), inner),
        st.builds(lambda a, b, c: f"{a} ? {b} : {c}", inner, inner, inner),
        st.builds(lambda a, b: f"[{a}, {b}]", inner, inner),
        st.builds(lambda a, b: f"{{ k = {a}, j = {b} }}", inner, inner),
        st.builds(lambda a, b: f"[for x in {a} : {b}]", inner, inner),
        st.builds(lambda a, b: f"{a}[{b}]", inner, inner),
        st.builds(lambda a: f"!{a}", inner),
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(_EXPRESSIONS, _EXPRESSIONS)
def test_evaluation_never_raises(first: str, second: str) -> None:
    source = (f'variable "v" {{\n  default = "x"\n}}\nvariable "m" {{}}\nlocals {{\n  l = {second}\n}}\n'
              f'resource "aws_x" "y" {{\n  count = 2\n  z = {first}\n  w = local.l\n}}\n')
    try:
        model_of({"main.tf": source})
    except ParseError:  # the generator can write what HCL's grammar rejects; parsing is tested apart
        pass


def test_references_name_their_target() -> None:
    model = model_of({
        "main.tf": 'module "app" {\n  source = "./app"\n}\n',
        "app/main.tf": 'resource "aws_kms_key" "k" {\n  count = 1\n}\n'
                       'resource "aws_eks_cluster" "c" {\n  encryption_config {\n'
                       '    provider {\n      key_arn = aws_kms_key.k[0].arn\n    }\n  }\n}\n',
    })
    cluster = one(model, "module.app.aws_eks_cluster.c")
    key_arn = dig(cluster.attrs, "encryption_config", 0, "provider", 0, "key_arn")
    assert isinstance(key_arn, Reference) and key_arn.reason == "known after apply"
    assert (key_arn.target, key_arn.attribute) == ("module.app.aws_kms_key.k[0]", "arn")
    assert model.target_of(key_arn) is one(model, "module.app.aws_kms_key.k[0]")


def test_policy_documents_keep_known_parts() -> None:
    model = model_of({"main.tf": '''
data "aws_iam_policy_document" "pull" {
  statement {
    actions   = ["ecr:BatchGetImage"]
    resources = [aws_ecr_repository.r.arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}
resource "aws_ecr_repository" "r" {}
resource "aws_ecr_repository_policy" "p" {
  policy = data.aws_iam_policy_document.pull.json
  other  = jsonencode({ Principal = { AWS = "*" }, Resource = aws_ecr_repository.r.arn })
}
'''})
    import json

    policy = one(model, "aws_ecr_repository_policy.p").get("policy")
    assert isinstance(policy, Scalar) and policy.tag == "partial" and policy.loc.line == 2
    assert json.loads(policy.value)["Statement"] == [{
        "Effect": "Allow", "Action": ["ecr:BatchGetImage"],
        "Resource": ["${aws_ecr_repository.r.arn}"], "Principal": "*"}]
    other = one(model, "aws_ecr_repository_policy.p").get("other")
    assert json.loads(other.value)["Principal"] == {"AWS": "*"}
    # before encoding, each part keeps its own line: the principal is reported where it is written
    assert isinstance(policy, Encoded) and isinstance(other, Encoded)
    principal = dig(policy.document, "Statement", 0, "Principal")
    assert (known(principal), principal.loc.line) == ("*", 8)
    assert dig(other.document, "Principal", "AWS").loc.line == 15


def test_file_and_templatefile_read_inside_the_tree_only() -> None:
    model = project("files")
    policy = one(model, "aws_ecr_repository_policy.p").get("policy")
    assert '"Principal": "*"' in known(policy) and where(policy) == ("main.tf", 3)
    web = one(model, "aws_instance.web")
    assert known(web.get("user_data")) == "#!/bin/sh\nuseradd admin\nlisten 8080\n"
    assert isinstance(web.get("outside"), Unknown) and isinstance(web.get("missing"), Unknown)


def test_each_environment_tfvars_is_its_own_variant() -> None:
    files = {"main.tf": 'variable "public" {\n  default = false\n}\nresource "t" "r" {\n  v = var.public\n}\n',
             "dev.tfvars": "public = true\n", "prod.tfvars": "public = false\n",
             "terraform.tfvars": "other = 1\n"}
    values = [(where(r.get("v")), known(r.get("v"))) for r in model_of(files).resources]
    assert values == [(("dev.tfvars", 1), True), (("prod.tfvars", 1), False)]


def test_json_documents_keep_their_lines() -> None:
    from scanner.model.cloud import json_document

    model = model_of({"main.tf": '''variable "who" {
  default = "*"
}
resource "aws_ecr_repository_policy" "p" {
  heredoc = <<EOF
{
  "Statement": [{
    "Principal": "${var.who}"
  }]
}
EOF
  quoted  = "{\\"Principal\\": \\"*\\"}"
  encoded = jsonencode({ Principal = var.who })
  plain   = "not json"
}
'''})
    policy = one(model, "aws_ecr_repository_policy.p")
    heredoc = json_document(policy.get("heredoc"))
    assert dig(heredoc, "Statement", 0, "Principal").loc.line == 8
    assert where(dig(json_document(policy.get("quoted")), "Principal")) == ("main.tf", 12)
    assert where(dig(json_document(policy.get("encoded")), "Principal")) == ("main.tf", 2)
    assert json_document(policy.get("plain")) is None and json_document(None) is None
    assert json_document(policy.attrs) is policy.attrs


def test_references_through_unknown_count_and_nested_attributes() -> None:
    model = model_of({"main.tf": 'variable "n" {}\nresource "aws_kms_key" "k" {\n  count = var.n\n}\n'
                                 'resource "t" "r" {\n  a = aws_kms_key.k[0].arn\n'
                                 '  b = aws_kms_key.k[var.n].arn\n  c = aws_kms_key.k[0].tags_all.x\n}\n'})
    resource = one(model, "t.r")
    for key, attribute in (("a", "arn"), ("b", "arn"), ("c", "tags_all")):
        value = resource.get(key)
        assert isinstance(value, Reference) and (value.target, value.attribute) == ("aws_kms_key.k", attribute)


def test_override_files_merge_into_the_blocks_they_name() -> None:
    model = model_of({
        "main.tf": 'resource "aws_eks_cluster" "c" {\n  name = "c"\n  vpc_config {\n'
                   '    endpoint_public_access = false\n  }\n  enabled_cluster_log_types = ["api"]\n}\n'
                   'locals {\n  x = 1\n}\n',
        "main_override.tf": 'resource "aws_eks_cluster" "c" {\n  vpc_config {\n'
                            '    endpoint_public_access = true\n  }\n}\nlocals {\n  x = 2\n}\n'
                            'resource "t" "r" {\n  v = local.x\n}\n',
    })
    cluster = one(model, "aws_eks_cluster.c")
    assert cluster.loc == Location("main.tf", 1, 1, 1, 33)  # the original block, not the override
    assert known(cluster.get("name")) == "c" and len(cluster.get("enabled_cluster_log_types")) == 1
    public = dig(cluster.attrs, "vpc_config", 0, "endpoint_public_access")
    assert truth(public) is True and where(public) == ("main_override.tf", 3)
    assert known(one(model, "t.r").get("v")) == 2


def test_module_calls_and_provider_aliases_are_listed() -> None:
    model = model_of({"main.tf": 'variable "public" {\n  default = true\n}\n'
                                 'module "eks" {\n  source  = "terraform-aws-modules/eks/aws"\n'
                                 '  version = "~> 20.0"\n  cluster_endpoint_public_access = var.public\n}\n'
                                 'provider "aws" {\n  alias = "west"\n  region = "us-west-2"\n}\n'})
    (call,) = model.modules
    assert (call.type, call.name, call.loc.line, known(call.get("version"))) == (
        "terraform-aws-modules/eks/aws", "module.eks", 4, "~> 20.0")
    assert where(call.get("cluster_endpoint_public_access")) == ("main.tf", 2)
    assert [p.name for p in model.provider_configs("aws")] == ["provider.aws.west"]


def test_json_tfvars_and_auto_tfvars_order() -> None:
    files = {"main.tf": 'variable "a" {}\nvariable "b" {}\nresource "t" "r" {\n  a = var.a\n  b = var.b\n}\n',
             "terraform.tfvars.json": '{"a": "json", "b": "json"}',
             "z.auto.tfvars": 'b = "auto"\n'}
    resource = one(model_of(files), "t.r")
    assert (known(resource.get("a")), known(resource.get("b"))) == ("json", "auto")
    assert where(resource.get("a")) == ("terraform.tfvars.json", 1)


def test_resources_keep_arguments_named_like_module_meta_arguments() -> None:
    model = model_of({"main.tf": 'resource "aws_eks_cluster" "c" {\n  version = "1.24"\n  count = 1\n}\n'
                                 'resource "aws_s3_object" "o" {\n  source = "./file"\n}\n'})
    assert known(one(model, "aws_eks_cluster.c[0]").get("version")) == "1.24"
    assert "count" not in one(model, "aws_eks_cluster.c[0]").attrs
    assert known(one(model, "aws_s3_object.o").get("source")) == "./file"
