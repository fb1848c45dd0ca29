"""Terraform's Kubernetes resources read as the objects they create, for the rules on manifests."""

from __future__ import annotations

from scanner.adapters.cloud import build
from scanner.adapters.terraform_k8s import OBJECT_TYPES, objects
from scanner.inputs.parsed import ParsedFile
from scanner.model.kubernetes import KubeObject
from scanner.model.kubernetes import build as kubernetes_objects
from scanner.nodes import dig, text
from scanner.parse.hcl.syntax import parse
from scanner.settings.config import Config

SOURCE = """
variable "namespace" {
  type = string
}

resource "kubernetes_role_v1" "reader" {
  metadata {
    name      = "reader"
    namespace = var.namespace
  }
  rule {
    api_groups     = [""]
    resources      = ["configmaps"]
    non_resource_urls = []
    verbs          = ["get"]
  }
  rule {
    api_groups = ["apps"]
    resources  = ["deployments"]
    verbs      = ["list"]
  }
}

resource "kubernetes_role_binding_v1" "reader" {
  metadata {
    name      = "reader"
    namespace = var.namespace
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "Role"
    name      = kubernetes_role_v1.reader.metadata[0].name
  }
  subject {
    kind = "ServiceAccount"
    name = "web"
  }
}

resource "kubernetes_default_service_account_v1" "shop" {
  metadata {
    namespace = "shop"
  }
  automount_service_account_token = false
}

resource "kubernetes_cluster_role" "viewer" {
  metadata {
    name = "viewer"
  }
}
"""


def _objects(source: str = SOURCE) -> dict[str, KubeObject]:
    parsed = [ParsedFile("main.tf", "terraform", source, parse(source, "main.tf"))]
    return {obj.address: obj for obj in objects(build(parsed, Config()).of_type(*OBJECT_TYPES))}


def test_blocks_become_the_manifest_lists_and_objects() -> None:
    role = _objects()["kubernetes_role_v1.reader"]
    assert (role.kind, role.name, role.label) == ("Role", "reader", "kubernetes_role_v1.reader")
    rules = role.get("rules")
    assert [text(dig(rule, "verbs", 0)) for rule in rules.items] == ["get", "list"]  # type: ignore[union-attr]
    assert dig(rules, 0, "nonResourceURLs") is not None
    binding = _objects()["kubernetes_role_binding_v1.reader"]
    assert text(binding.get("roleRef", "name")) == "reader"
    assert text(binding.get("subjects", 0, "name")) == "web"


def test_an_unknown_namespace_is_shared_by_objects_that_compute_it_alike() -> None:
    found = _objects()
    role, binding = found["kubernetes_role_v1.reader"], found["kubernetes_role_binding_v1.reader"]
    assert role.namespace == binding.namespace == "${var.namespace}"
    model = kubernetes_objects([], Config())
    for obj in found.values():
        model.add(obj)
    assert model.role_of(binding) is role


def test_the_default_service_account_and_cluster_scope() -> None:
    found = _objects()
    account = found["kubernetes_default_service_account_v1.shop"]
    assert (account.kind, account.name, account.namespace) == ("ServiceAccount", "default", "shop")
    assert found["kubernetes_cluster_role.viewer"].namespace == ""
