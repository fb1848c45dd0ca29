"""One Terraform module instance: its variables, locals, resources and module calls, evaluated
lazily (a local or resource is evaluated when first needed, once) with cycles broken to Unknown.

A module called from another is evaluated once per call, with the call's arguments as variables
and `module.<name>.` before its resource addresses, so a finding names the call it came through.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from scanner.model.cloud import CloudModel, CloudResource
from scanner.model.terraform.dirs import Directory
from scanner.model.terraform.evaluate import Budget, Computed, Env, Evaluator, render
from scanner.model.terraform.instances import Key, expand, suffix
from scanner.model.terraform.policy import policy_json
from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, Unknown, text
from scanner.parse.hcl.tree import Block, Body

MAX_MODULE_DEPTH = 8
META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "provider", "source", "version",
                            "providers"})
# `source` and `version` are meta-arguments of module calls only: resources have real ones
# (`aws_eks_cluster.version`, `aws_s3_object.source`).
RESOURCE_META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "provider"})
_BUSY = Unknown("", Location("", 0), "reference cycle")


@dataclass
class Context:
    """What every module instance under one root module shares."""

    directories: dict[str, Directory]
    budget: Budget
    root: Directory
    boundary: Path | None = None  # files outside it are never read


class ModuleInstance:
    def __init__(self, directory: Directory, context: Context, inputs: dict[str, Node],
                 prefix: str = "", chain: tuple[str, ...] = ()) -> None:
        self.directory = directory
        self.context = context
        self.inputs = inputs
        self.prefix = prefix
        self.chain = chain + (directory.path,)  # the folders above, to stop a module calling itself
        self.evaluator = Evaluator(self, context.budget)
        self.cache: dict[tuple[str, str], Node] = {}
        self.resources = {(b.labels[0], b.labels[1]): b for b in directory.blocks("resource")
                          if len(b.labels) == 2}
        self.data = {(b.labels[0], b.labels[1]): b for b in directory.blocks("data") if len(b.labels) == 2}
        self.variables = {b.labels[0]: b for b in directory.blocks("variable") if b.labels}
        self.locals = {name: a for b in directory.blocks("locals") for name, a in b.body.attributes.items()}
        self.outputs = {b.labels[0]: b for b in directory.blocks("output") if b.labels}
        self.calls = {b.labels[0]: b for b in directory.blocks("module") if b.labels}
        self.children: dict[str, list[tuple[Key, ModuleInstance]]] = {}
        self.expanded: dict[int, list[tuple[Key, Env]]] = {}

    @property
    def module(self) -> str:
        return self.prefix.rstrip(".")

    # -- names an expression can use -------------------------------------------------------
    def root(self, name: str, env: Env) -> Node:
        if name == "path":  # relative to the root module, where terraform runs
            nowhere = Location("", 0)
            here = posixpath.relpath(self.directory.path or ".", self.context.root.path or ".")
            result = Mapping(nowhere)
            for key, value in (("module", here), ("root", "."), ("cwd", ".")):
                result.set(key, nowhere, Scalar(value, nowhere))
            return result
        return Unknown(name, Location("", 0), f"{name} is known only at deploy time")

    def member(self, name: str, attr: str, env: Env) -> Node | None:
        if name == "var":
            return self.memo("var", attr, lambda: self.variable(attr))
        if name == "local":
            attribute = self.locals.get(attr)
            if attribute is None:
                return Unknown(f"local.{attr}", Location("", 0), "error: no such local value")
            return self.memo("local", attr, lambda: self.evaluator.evaluate(attribute.value))
        if name == "module":
            return self.memo("module", attr, lambda: self.module_outputs(attr))
        if name == "data":
            return self.memo("data", attr, lambda: self.data_sources(attr))
        if (name, attr) in self.resources:
            return self.memo(name, attr, lambda: self.block_value(self.resources[(name, attr)],
                                                                  f"{name}.{attr}"))
        return None

    def read_file(self, path: str) -> str | None:
        """A file `file()`/`templatefile()` names, relative to the root module; None when it is
        not on disk inside the scanned tree (or is too big to be a template)."""
        from scanner.model.terraform.files import read_inside

        return read_inside(self.context.root.disk, self.context.boundary, path)

    def memo(self, kind: str, name: str, compute: Callable[[], Node]) -> Node:
        key = (kind, name)
        if key not in self.cache:
            self.cache[key] = _BUSY
            self.cache[key] = compute()
        return self.cache[key]

    def variable(self, name: str) -> Node:
        given = self.inputs.get(name)
        if given is not None and not (isinstance(given, Scalar) and given.value is None):
            return given
        block = self.variables.get(name)
        default = block.body.attributes.get("default") if block else None
        if default is None:
            return Unknown(f"var.{name}", block.loc if block else Location("", 0),
                           "variable without a value")
        return self.evaluator.evaluate(default.value)

    def data_sources(self, data_type: str) -> Node:
        result = Mapping(Location("", 0))
        for (kind, name), block in self.data.items():
            if kind == data_type:
                result.set(name, block.loc, self.block_value(block, f"data.{kind}.{name}"))
        return result

    def block_value(self, block: Block, address: str) -> Node:
        """A resource or data source as other expressions see it: its arguments, each instance a
        `Computed` whose unset attributes (`arn`, `id`) read as References to it."""
        instances = []
        for key, env in self.instances(block):
            attrs = self.attributes(block.body, env, block.loc)
            if block.labels[0] == "aws_iam_policy_document":
                attrs.set("json", block.loc, policy_json(attrs))
            instances.append((key, Computed(attrs, f"{self.prefix}{address}{suffix(key)}")))
        if len(instances) == 1 and instances[0][0] is None:
            return instances[0][1]
        if all(isinstance(key, int) for key, _ in instances):
            return Sequence(block.loc, [attrs for _, attrs in instances])
        result = Mapping(block.loc)
        for key, attrs in instances:
            result.set(str(key), block.loc, attrs)
        return result

    def module_outputs(self, name: str) -> Node:
        instances = self.child_instances(name)
        values: list[Node] = []
        for _, child in instances:
            result = Mapping(self.calls[name].loc)
            for output, block in child.outputs.items():
                value = block.body.attributes.get("value")
                if value is not None:
                    result.set(output, value.key_loc, child.evaluator.evaluate(value.value))
            values.append(result)
        if len(values) == 1:
            return values[0]
        return Sequence(self.calls[name].loc, values) if values else Unknown(
            f"module.{name}", Location("", 0), "module not evaluated")

    # -- instances and bodies -------------------------------------------------------------------
    def instances(self, block: Block) -> list[tuple[Key, Env]]:
        """`count`/`for_each` expanded when known: (index or key, env); one unnamed instance when
        neither is set or the value is unknown (its `count.index`/`each.*` are then Unknown)."""
        if id(block) not in self.expanded:
            self.expanded[id(block)] = expand(self.evaluator, self.context.budget, block)
        return self.expanded[id(block)]

    def attributes(self, body: Body, env: Env, loc: Location) -> Mapping:
        """A block body as a Mapping: arguments evaluated, nested blocks as Sequences of Mappings."""
        result = Mapping(loc)
        for name, attribute in body.attributes.items():
            if name not in RESOURCE_META_ARGUMENTS:
                result.set(name, attribute.key_loc, self.evaluator.evaluate(attribute.value, env))
        for block in body.blocks:
            for name, content in self.nested(block, env):
                group = result.get(name)
                if not isinstance(group, Sequence):
                    group = Sequence(content.loc)
                    result.set(name, block.loc, group)
                group.items.append(content)
        return result

    def nested(self, block: Block, env: Env) -> Iterator[tuple[str, Mapping]]:
        if block.type != "dynamic" or not block.labels:
            yield block.type, self.attributes(block.body, env, block.loc)
            return
        from scanner.model.terraform.dynamic import expand

        yield from expand(self, block, env)

    # -- output ------------------------------------------------------------------------------
    def emit(self, model: CloudModel) -> None:
        for (resource_type, name), block in self.resources.items():
            for key, env in self.instances(block):
                address = f"{self.prefix}{resource_type}.{name}{suffix(key)}"
                attrs = self.attributes(block.body, env, block.loc)
                model.resources.append(CloudResource("terraform", resource_type, address, attrs,
                                                     block.loc, self.module))
        for block in self.directory.blocks("provider"):
            if block.labels:
                attrs = self.attributes(block.body, {}, block.loc)
                alias = render(attrs.get("alias") or Unknown("", block.loc))
                address = f"{self.prefix}provider.{block.labels[0]}" + (f".{alias}" if alias else "")
                model.providers.append(CloudResource("terraform", block.labels[0], address, attrs,
                                                     block.loc, self.module))
        for name, block in self.calls.items():
            source = text(self.evaluator.evaluate(block.body.attributes["source"].value)) \
                if "source" in block.body.attributes else None
            for key, env in self.instances(block):
                attrs = self.attributes(block.body, env, block.loc)
                model.modules.append(CloudResource("terraform", source or "", f"{self.prefix}module.{name}"
                                                   f"{suffix(key)}", attrs, block.loc, self.module))
            for _, child in self.child_instances(name):
                child.emit(model)

    def child_instances(self, name: str) -> list[tuple[Key, ModuleInstance]]:
        if name in self.children:
            return self.children[name]
        self.children[name] = []
        block = self.calls[name]
        target = self.directory.source_dir(block)
        directory = self.context.directories.get(target) if target is not None else None
        if directory is None or directory.path in self.chain or len(self.chain) > MAX_MODULE_DEPTH:
            return []
        for key, env in self.instances(block):
            inputs = {arg: self.evaluator.evaluate(attribute.value, env)
                      for arg, attribute in block.body.attributes.items() if arg not in META_ARGUMENTS}
            prefix = f"{self.prefix}module.{name}{suffix(key)}."
            child = ModuleInstance(directory, self.context, inputs, prefix, self.chain)
            self.children[name].append((key, child))
        return self.children[name]
