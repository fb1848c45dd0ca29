"""One Terraform module instance: its variables, locals, resources and module calls, evaluated
lazily (a local or resource is evaluated when first needed, once) with cycles broken to Unknown.

A module called from another is evaluated once per call, with the call's arguments as variables
and `module.<name>.` before its resource addresses, so a finding names the call it came through.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator

from scanner.model.cloud import CloudModel, CloudResource
from scanner.model.hcl_eval import Budget, Computed, Env, Evaluator, render, unknown
from scanner.nodes import Location, Mapping, Node, Scalar, Sequence, Unknown
from scanner.parse.hcl import Block, Body, HclFile

MAX_MODULE_DEPTH = 8
META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "provider", "source", "version",
                            "providers"})
# `source` and `version` are meta-arguments of module calls only: resources have real ones
# (`aws_eks_cluster.version`, `aws_s3_object.source`).
RESOURCE_META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "provider"})
_BUSY = Unknown("", Location("", 0), "reference cycle")


class Directory:
    """The `.tf` files of one folder (one module) and the tfvars files beside them."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.files: list[HclFile] = []
        self.tfvars: list[HclFile] = []

    def add(self, tree: HclFile) -> None:
        name = tree.path.lower()
        (self.tfvars if name.endswith((".tfvars", ".tfvars.json")) else self.files).append(tree)

    def has_config(self) -> bool:
        return bool(self.files)

    def blocks(self, block_type: str) -> Iterator[Block]:
        for tree in self.files:
            yield from tree.body.blocks_of(block_type)

    def local_calls(self) -> Iterator[str]:
        """Folders this module calls with a literal local `source`."""
        for block in self.blocks("module"):
            target = self.source_dir(block)
            if target is not None:
                yield target

    def source_dir(self, block: Block) -> str | None:
        source = block.body.attributes.get("source")
        value = source.value.value if source and isinstance(source.value, Scalar) else None
        if not isinstance(value, str) or not value.startswith(("./", "../")):
            return None
        target = posixpath.normpath(posixpath.join(self.path, value))
        if target.startswith(".."):
            return None
        return "" if target == "." else target


class ModuleInstance:
    def __init__(self, directory: Directory, directories: dict[str, Directory],
                 inputs: dict[str, Node], budget: Budget, prefix: str = "",
                 chain: tuple[str, ...] = ()) -> None:
        self.directory = directory
        self.directories = directories
        self.inputs = inputs
        self.prefix = prefix
        self.chain = chain + (directory.path,)  # the folders above, to stop a module calling itself
        self.budget = budget
        self.evaluator = Evaluator(self, budget)
        self.cache: dict[tuple[str, str], Node] = {}
        self.resources = {(b.labels[0], b.labels[1]): b for b in directory.blocks("resource")
                          if len(b.labels) == 2}
        self.variables = {b.labels[0]: b for b in directory.blocks("variable") if b.labels}
        self.locals = {name: a for b in directory.blocks("locals") for name, a in b.body.attributes.items()}
        self.outputs = {b.labels[0]: b for b in directory.blocks("output") if b.labels}
        self.calls = {b.labels[0]: b for b in directory.blocks("module") if b.labels}
        self.children: dict[str, list[tuple[int | str | None, ModuleInstance]]] = {}
        self.expanded: dict[int, list[tuple[int | str | None, Env]]] = {}

    @property
    def module(self) -> str:
        return self.prefix.rstrip(".")

    # -- names an expression can use -------------------------------------------------------
    def root(self, name: str, env: Env) -> Node:
        if name == "path":
            here = Scalar(self.directory.path or ".", Location("", 0))
            result = Mapping(here.loc)
            for key in ("module", "root", "cwd"):
                result.set(key, here.loc, here)
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
        if (name, attr) in self.resources:
            return self.memo(name, attr, lambda: self.resource_value(name, attr))
        return None

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

    def resource_value(self, resource_type: str, name: str) -> Node:
        """`aws_x.name` as other resources see it: its arguments (computed ones stay Unknown)."""
        block = self.resources[(resource_type, name)]
        instances = [(key, _computed(self.attributes(block.body, env, block.loc)))
                     for key, env in self.instances(block)]
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
        values = []
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
    def instances(self, block: Block) -> list[tuple[int | str | None, Env]]:
        """`count`/`for_each` expanded when known: (index or key, env); one unnamed instance when
        neither is set or the value is unknown (its `count.index`/`each.*` are then Unknown)."""
        if id(block) not in self.expanded:
            self.expanded[id(block)] = self._expand(block)
        return self.expanded[id(block)]

    def _expand(self, block: Block) -> list[tuple[int | str | None, Env]]:
        attrs = block.body.attributes
        if "count" in attrs:
            count = self.evaluator.evaluate(attrs["count"].value)
            number = count.value if isinstance(count, Scalar) else None
            if isinstance(number, (int, float)) and not isinstance(number, bool) \
                    and self.spend(int(number)):
                return [(i, {"count": _pairs(block.loc, index=Scalar(i, block.loc))})
                        for i in range(int(number))]
            return [(None, {"count": _pairs(block.loc, index=unknown(count, "unknown count"))})]
        if "for_each" in attrs:
            collection = self.evaluator.evaluate(attrs["for_each"].value)
            items = _each(collection)
            if items is None or not self.spend(len(items)):
                mystery = unknown(collection, "unknown for_each")
                return [(None, {"each": _pairs(block.loc, key=mystery, value=mystery)})]
            return [(key, {"each": _pairs(block.loc, key=Scalar(key, block.loc), value=value)})
                    for key, value in items]
        return [(None, {})]

    def spend(self, instances: int) -> bool:
        """Whether `instances` more resources fit in the build's budget (else: one, unnamed)."""
        if instances > self.budget.instances:
            return False
        self.budget.instances -= max(instances, 0)
        return True

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
        from scanner.model.terraform_dynamic import expand

        yield from expand(self, block, env)

    # -- output ------------------------------------------------------------------------------
    def emit(self, model: CloudModel) -> None:
        for (resource_type, name), block in self.resources.items():
            for key, env in self.instances(block):
                address = f"{self.prefix}{resource_type}.{name}{_suffix(key)}"
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
        for name in self.calls:
            for _, child in self.child_instances(name):
                child.emit(model)

    def child_instances(self, name: str) -> list[tuple[int | str | None, ModuleInstance]]:
        if name in self.children:
            return self.children[name]
        self.children[name] = []
        block = self.calls[name]
        target = self.directory.source_dir(block)
        directory = self.directories.get(target) if target is not None else None
        if directory is None or directory.path in self.chain or len(self.chain) > MAX_MODULE_DEPTH:
            return []
        for key, env in self.instances(block):
            inputs = {arg: self.evaluator.evaluate(attribute.value, env)
                      for arg, attribute in block.body.attributes.items() if arg not in META_ARGUMENTS}
            prefix = f"{self.prefix}module.{name}{_suffix(key)}."
            child = ModuleInstance(directory, self.directories, inputs, self.budget, prefix, self.chain)
            self.children[name].append((key, child))
        return self.children[name]


def _computed(attrs: Mapping) -> Computed:
    result = Computed(attrs.loc)
    result.values, result.keys = attrs.values, attrs.keys
    return result


def _pairs(loc: Location, **values: Node) -> Mapping:
    result = Mapping(loc)
    for key, value in values.items():
        result.set(key, loc, value)
    return result


def _each(collection: Node) -> list[tuple[str, Node]] | None:
    if isinstance(collection, Mapping):
        return list(collection.items())
    if isinstance(collection, Sequence):
        keys = [render(item) for item in collection.items]
        if any(key is None for key in keys):
            return None
        return list(zip(keys, collection.items))  # type: ignore[arg-type]
    return None


def _suffix(key: int | str | None) -> str:
    if key is None:
        return ""
    return f"[{key}]" if isinstance(key, int) else f'["{key}"]'

