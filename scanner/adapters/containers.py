"""Dialect adapters: every workload format read into one list of `ContainerSpec`s.

`build` is the `container` model of the engine: Kubernetes manifests, Compose services, ECS task
definitions (CloudFormation and Terraform), Terraform's Kubernetes resources and Azure's container
services (ARM and Terraform). Each adapter is
imported only when its file type is present, so a Compose-only scan never loads the Kubernetes
reader or the Terraform evaluator.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from scanner.inputs.parsed import ParsedFile
from scanner.model.container import Containers, ContainerSpec
from scanner.settings.config import Config


def build(files: Sequence[ParsedFile], config: Config, kubernetes: Any = None, cloud: Any = None,
          builds: Any = None) -> Containers:
    """`kubernetes` and `cloud` are the scan's own object set and cloud model when the engine has
    them; built here otherwise. `builds`: the images the scan builds (`scanner.model.builds`)."""
    result = Containers(trusted_registries=tuple(config.trusted_registries),
                        built_images=builds.artifact_images if builds is not None else frozenset())
    types = {parsed.type for parsed in files}
    if "kubernetes" in types:
        from scanner.adapters.kubernetes import from_object
        from scanner.model.kubernetes import build as kubernetes_objects

        objects = kubernetes if kubernetes is not None else kubernetes_objects(files, config)
        for obj in objects:
            result.containers.extend(from_object(obj))
    if "compose" in types:
        from scanner.adapters.compose import from_document
        from scanner.adapters.compose_vars import dotenv_names

        for parsed in files:
            if parsed.type == "compose":
                defined = dotenv_names(parsed.path, config.root, config.limits.max_file_bytes)
                for document in parsed.tree or ():
                    result.containers.extend(from_document(document, defined))
    if types.intersection(("terraform", "cloudformation", "arm")):
        result.containers.extend(_from_cloud(files, config, cloud))
    return result


def _from_cloud(files: Sequence[ParsedFile], config: Config, model: Any) -> Iterator[ContainerSpec]:
    """ECS task definitions and Terraform's Kubernetes workloads (provider resources and
    `kubernetes_manifest`), from the evaluated Terraform and CloudFormation resources."""
    from scanner.adapters import terraform_k8s
    from scanner.adapters.cloud import build as cloud_model
    from scanner.adapters.container_definitions import definitions
    from scanner.adapters.ecs import TASK_TYPES, from_definitions, task_of

    model = model if model is not None else cloud_model(files, config)
    defaults = {variable.name: variable.default for variable in model.variables
                if variable.format == "terraform" and variable.default is not None}
    for resource in model.of_type(*TASK_TYPES):
        written = resource.get("ContainerDefinitions") if resource.format == "cloudformation" \
            else definitions(resource, files, defaults)
        yield from from_definitions(task_of(resource), written)
    for resource in model.of_type(*terraform_k8s.TYPES):
        yield from terraform_k8s.from_resource(resource)
    from scanner.adapters.kubernetes import from_object

    for obj in terraform_k8s.objects(model.of_type(terraform_k8s.MANIFEST)):
        yield from from_object(obj)
    from scanner.adapters import azure_containers

    for resource in model.of_type(*azure_containers.TYPES):
        yield from azure_containers.from_resource(resource)
