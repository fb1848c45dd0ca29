"""CloudFormation evaluation: Parameters, Conditions, Mappings, intrinsic functions, SAM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.adapters.cloud import build
from scanner.inputs.parsed import ParsedFile
from scanner.model.cloud import CloudModel, CloudResource, Reference
from scanner.nodes import Unknown, dig, known, truth
from scanner.parse.yaml import parse_documents
from scanner.settings.config import Config

FIXTURES = Path(__file__).parent / "fixtures" / "cloudformation"


def model_of(text: str, rel: str = "template.yaml") -> CloudModel:
    return build([ParsedFile(rel, "cloudformation", text, parse_documents(text, rel))], Config())


@pytest.fixture(scope="module")
def template() -> CloudModel:
    return model_of((FIXTURES / "conditions.yaml").read_text(), "conditions.yaml")


def resource(model: CloudModel, name: str) -> CloudResource:
    found = model.find(name)
    assert found is not None, [r.name for r in model.resources]
    return found


def test_resources_and_labels(template: CloudModel) -> None:
    assert [r.name for r in template.resources] == ["Cluster", "Database", "Worker"]  # DevBucket: IsDev is false
    cluster = resource(template, "Cluster")
    assert (cluster.format, cluster.type, cluster.label, cluster.loc.line) == (
        "cloudformation", "AWS::EKS::Cluster", "Cluster/Cluster", 35)
    assert template.of_type("AWS::Serverless::Function")[0].label == "Function/Worker"


def test_parameters_mappings_and_sub(template: CloudModel) -> None:
    cluster = resource(template, "Cluster")
    assert known(cluster.get("Name")) == "prod-cluster"
    public = cluster.get("ResourcesVpcConfig", "EndpointPublicAccess")
    assert truth(public) is True and public.loc.line == 20  # the Mapping's value
    assert [known(s) for s in cluster.get("ResourcesVpcConfig", "SubnetIds")] == ["subnet-a", "subnet-b"]
    assert isinstance(cluster.get("RoleArn"), Unknown)
    assert known(cluster.get("Version")) == "1.29"


def test_conditions(template: CloudModel) -> None:
    cluster = resource(template, "Cluster")
    assert "SecurityGroupIds" not in cluster.get("ResourcesVpcConfig")  # AWS::NoValue
    assert isinstance(cluster.get("Logging"), Unknown)  # depends on a parameter without default
    assert [known(dig(t, "Key")) for t in cluster.get("Tags")] == ["Name", "Region"]
    assert isinstance(dig(cluster.get("Tags"), 0, "Value"), Unknown)  # AWS::Region


def test_parameter_default_keeps_its_location(template: CloudModel) -> None:
    database = resource(template, "Database")
    password = database.get("MasterUserPassword")
    assert known(password) == "hunter2-secret" and password.loc.line == 10
    assert known(database.get("BackupRetentionPeriod")) == 90
    assert isinstance(database.get("Password2"), Unknown)


def test_sam_globals_and_base64(template: CloudModel) -> None:
    worker = resource(template, "Worker")
    assert known(worker.get("Timeout")) == 30 and known(worker.get("MemorySize")) == 1024
    assert isinstance(worker.get("ImageUri"), Unknown)
    assert known(worker.get("UserData")) == "#!/bin/sh\necho prod\n"


def test_variables(template: CloudModel) -> None:
    variables = {v.name: v for v in template.variables}
    assert known(variables["DbPassword"].default) == "hunter2-secret"
    assert not variables["DbPassword"].sensitive and variables["ApiKey"].sensitive
    assert variables["ApiKey"].default is None
    assert variables["DbPassword"].label == "Parameter/DbPassword" and variables["DbPassword"].loc.line == 8


def test_json_template() -> None:
    text = ('{\n  "Parameters": {"Scan": {"Type": "String", "Default": "false"}},\n'
            '  "Resources": {\n    "Repo": {\n      "Type": "AWS::ECR::Repository",\n'
            '      "Properties": {"ImageScanningConfiguration": {"ScanOnPush": {"Ref": "Scan"}}}\n'
            '    }\n  }\n}\n')
    repo = resource(model_of(text, "template.json"), "Repo")
    scan = repo.get("ImageScanningConfiguration", "ScanOnPush")
    assert truth(scan) is False and scan.loc.line == 2
    assert repo.blocks("ImageScanningConfiguration")[0] is repo.get("ImageScanningConfiguration")


@pytest.mark.parametrize("value", [
    "!GetAtt A.B", "!ImportValue x", "!Ref Missing", "!If [Nope, a, b]", "!FindInMap [M, a, b]",
    "!Select [5, [a]]", "!Join [',', [!Ref 'AWS::Region']]", "!Sub '${Missing.Attr}'", "!GetAZs ''",
    "{'Fn::If': oops}", "!Split [',', !Ref 'AWS::Region']", "!Cidr [a, 1, 2]",
])
def test_unknowns_never_raise(value: str) -> None:
    text = f"Resources:\n  R:\n    Type: AWS::S3::Bucket\n    Properties:\n      V: {value}\n"
    found = resource(model_of(text), "R").get("V")
    assert isinstance(found, Unknown) and found.loc.line == 5


def test_references_name_their_target() -> None:
    text = ("Resources:\n  Key:\n    Type: AWS::KMS::Key\n  Repo:\n    Type: AWS::ECR::Repository\n"
            "    Properties:\n      A: !Ref Key\n      B: !GetAtt Key.Arn\n      C: !Ref AWS::Region\n"
            "      D: !Sub '${Key.Arn}'\n      E: !Ref Ssm\n"
            "Parameters:\n  Ssm:\n    Type: AWS::SSM::Parameter::Value<String>\n    Default: /app/password\n")
    model = model_of(text)
    repo = resource(model, "Repo")
    assert [(n.target, n.attribute) for n in (repo.get("A"), repo.get("B"))] == [("Key", ""), ("Key", "Arn")]
    assert model.target_of(repo.get("B")) is resource(model, "Key")
    assert not isinstance(repo.get("C"), Reference) and isinstance(repo.get("C"), Unknown)
    assert (repo.get("D").target, repo.get("D").attribute) == ("Key", "Arn")
    assert isinstance(repo.get("E"), Unknown)  # the default names an SSM parameter, not the value


def test_resource_with_unknown_properties_is_left_out() -> None:
    text = ("Parameters:\n  X:\n    Type: String\nConditions:\n  C: !Equals [!Ref X, a]\nResources:\n"
            "  R:\n    Type: AWS::S3::Bucket\n    Properties: !If [C, {A: 1}, {B: 2}]\n"
            "  S:\n    Type: AWS::S3::Bucket\n")
    assert [r.name for r in model_of(text).resources] == ["S"]


def test_condition_cycle_is_unknown() -> None:
    text = ("Conditions:\n  A: !Condition B\n  B: !Condition A\nResources:\n  R:\n"
            "    Type: AWS::S3::Bucket\n    Condition: A\n    Properties:\n      V: !If [A, x, y]\n")
    assert isinstance(resource(model_of(text), "R").get("V"), Unknown)


_NAMES = st.sampled_from(["P", "NoDefault", "AWS::Region", "AWS::NoValue", "R", "C", "Missing", "M", ""])
_VALUES = st.recursive(
    st.one_of(st.sampled_from(["a", "1", "true", "${P}", "${R.Arn}", "${!x}", ","]), st.integers(-2, 3),
              st.booleans(), st.none()),
    lambda inner: st.one_of(
        st.builds(lambda n: {"Ref": n}, _NAMES),
        st.builds(lambda f, a: {f: a}, st.sampled_from(
            ["Fn::Sub", "Fn::If", "Fn::FindInMap", "Fn::Join", "Fn::Select", "Fn::Split", "Fn::Base64",
             "Fn::GetAtt", "Fn::Equals", "Fn::And", "Fn::Not", "Condition", "Fn::GetAZs"]),
            st.one_of(inner, st.lists(inner, max_size=4))),
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["k", "Fn::If", "Ref"]), inner, max_size=2),
    ),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(_VALUES, _VALUES)
def test_evaluation_never_raises(condition: object, value: object) -> None:
    template = {
        "Parameters": {"P": {"Type": "String", "Default": "a"}, "NoDefault": {"Type": "String"}},
        "Mappings": {"M": {"a": {"b": "c"}}},
        "Conditions": {"C": condition},
        "Resources": {"R": {"Type": "AWS::S3::Bucket", "Condition": "C", "Properties": {"V": value}}},
    }
    model_of(json.dumps(template), "fuzz.json")
