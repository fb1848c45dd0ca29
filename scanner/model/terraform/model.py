"""Terraform configurations evaluated the way `terraform plan` would see them, as far as a static
reader can: each directory is a module; root modules take variable values from tfvars files,
local modules (`source = "./modules/x"`) take them from the call's arguments.

Scanners that read `.tf` files literally either flag `var.x` as insecure or miss an insecure
literal passed two modules down; evaluating first avoids both. What stays unknown is Unknown.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from pathlib import Path

from scanner.inputs.parsed import ParsedFile
from scanner.model.cloud import CloudModel, CloudVariable
from scanner.model.terraform.dirs import Directory
from scanner.model.terraform.evaluate import Budget, Env, Evaluator
from scanner.model.terraform.module import Context, ModuleInstance
from scanner.nodes import Node, Unknown, truth
from scanner.parse.hcl.tree import HclFile
from scanner.settings.config import Config

AUTO_VARS = ("terraform.tfvars", "terraform.tfvars.json")


def build(files: Sequence[ParsedFile], config: Config) -> CloudModel:
    model = CloudModel()
    directories: dict[str, Directory] = {}
    for parsed in files:
        tree = parsed.tree
        if parsed.type != "terraform" or not isinstance(tree, HclFile):
            continue
        if tree.syntax == "plan":
            from scanner.model.terraform.plan import plan_resources

            model.resources.extend(plan_resources(tree))
            continue
        folder = posixpath.dirname(tree.path)
        directories.setdefault(folder, Directory(folder)).add(tree, parsed.path)
    explicit = _explicit_var_files(files, config)
    called = {target for d in directories.values() for target in d.local_calls() if target != d.path}
    configured = [(name, d) for name, d in sorted(directories.items()) if d.has_config()]
    # a directory only ever called as a module is evaluated through its calls, not on its own
    roots = [d for name, d in configured if name not in called] or [d for _, d in configured]
    budget = Budget()
    boundary = config.root.resolve()
    for directory in roots:
        for inputs in _variants(directory, explicit):
            context = Context(directories, budget, directory, boundary)
            ModuleInstance(directory, context, inputs).emit(model)
    for _, directory in sorted(directories.items()):
        model.variables.extend(_declared(directory))
    return model


def _literal(node: Node) -> Node:
    """Evaluate a value that may only hold literals (tfvars, defaults); names are Unknown."""

    class NoNames:
        def root(self, name: str, env: Env) -> Node:
            return Unknown(name, node.loc, "no names outside a module")

        def member(self, name: str, attr: str, env: Env) -> Node | None:
            return None

    return Evaluator(NoNames()).evaluate(node)


def _variants(directory: Directory, explicit: list[HclFile]) -> list[dict[str, Node]]:
    """The variable values a root module is planned with, one set per way it is likely applied.

    Terraform loads terraform.tfvars and *.auto.tfvars, then `--var-file`s (later wins). Without
    `--var-file`, each other *.tfvars beside the module (`dev.tfvars`, `prod.tfvars`) is one
    environment: the module is evaluated once per file, so each environment's insecure value is
    seen at its own line (the engine folds findings that are the same in every environment)."""
    def order(tree: HclFile) -> tuple[int, str]:
        name = posixpath.basename(tree.path).lower()
        return (0 if name in AUTO_VARS else 1 if ".auto.tfvars" in name else 2, name)

    files = sorted(directory.tfvars, key=order)
    automatic = [tree for tree in files if order(tree)[0] < 2]
    environments = [tree for tree in files if order(tree)[0] == 2]
    if explicit or not environments:
        return [_values(automatic + explicit)]
    return [_values(automatic + [environment]) for environment in environments]


def _values(trees: list[HclFile]) -> dict[str, Node]:
    values: dict[str, Node] = {}
    for tree in trees:
        for name, attribute in tree.body.attributes.items():
            values[name] = _literal(attribute.value)
    return values


def _explicit_var_files(files: Sequence[ParsedFile], config: Config) -> list[HclFile]:
    """`--var-file`s: taken from the scan when they are part of it, read here otherwise."""
    from scanner.parse.hcl.syntax import parse
    from scanner.parse.parsers import ParseError

    by_path = {str(f.path.resolve()): f.tree for f in files if f.path is not None
               and isinstance(f.tree, HclFile)}
    found: list[HclFile] = []
    for var_file in config.var_files:
        path = Path(var_file)
        tree = by_path.get(str(path.resolve()))
        if tree is None:
            try:
                tree = parse(path.read_text(encoding="utf-8"), path.as_posix())
            except (OSError, UnicodeDecodeError, ParseError):
                continue
        found.append(tree)
    return found


def _declared(directory: Directory) -> list[CloudVariable]:
    declared = []
    for block in directory.blocks("variable"):
        if not block.labels:
            continue
        default = block.body.attributes.get("default")
        sensitive = block.body.attributes.get("sensitive")
        declared.append(CloudVariable(
            format="terraform", name=block.labels[0],
            default=_literal(default.value) if default else None,
            sensitive=bool(sensitive and truth(_literal(sensitive.value))), loc=block.loc))
    return declared

