"""The `kubernetes` model of the engine: the manifests' objects, and the objects Terraform's
Kubernetes resources create (roles, bindings, namespaces, network policies, service accounts), so
that the rules on those objects judge both formats alike."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.inputs.parsed import ParsedFile
from scanner.model.cloud import CloudModel
from scanner.model.kubernetes import KubernetesObjects
from scanner.model.kubernetes import build as manifest_objects
from scanner.model.kustomize import Kustomizations
from scanner.settings.config import Config


def build(files: Sequence[ParsedFile], config: Config, kustomize: Kustomizations | None = None,
          cloud: CloudModel | None = None) -> KubernetesObjects:
    """`cloud` is the evaluated Terraform of the files, when they hold any."""
    result = manifest_objects(files, config, kustomize)
    if cloud is not None:
        from scanner.adapters.terraform_k8s import OBJECT_TYPES, RELATION_KINDS, objects

        for obj in objects(cloud.of_type(*OBJECT_TYPES)):
            if obj.kind in RELATION_KINDS:
                result.add(obj)
    return result
