"""The package reads as the pipeline: no import cycles, package faces that only re-export, and
checks typed against the model their rule names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from scanner.catalog.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "scanner"
# The one place where modules may import each other: the Terraform interpreter, whose evaluator
# and built-in functions recurse (`templatefile()` evaluates a template that calls functions).
INTERPRETER = "scanner.model.terraform"
# What a check receives for each `model:` of the catalog, as its first parameter is annotated.
MODEL_TYPES = {
    "dockerfile": "DockerfileModel",
    "container": "Containers",
    "kubernetes": "KubernetesObjects",
    "cluster": "Cluster",
    "cloud": "CloudModel",
    "image": "Sequence[ImageModel]",
    "text": "SecretsModel",
    "suppressions": "Suppressions",
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every scanner module `name` imports, at module level or inside functions, except under
    `if TYPE_CHECKING:` (annotations only)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {module for module in found if module in modules and module != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return components


def test_no_import_cycles_outside_the_interpreter() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    cycles = [cycle for cycle in _cycles(graph) if not all(m.startswith(INTERPRETER + ".") for m in cycle)]
    assert cycles == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_package_faces_only_document_and_reexport() -> None:
    """An `__init__.py` that does work hides a module from the layout (and runs on every import
    of its package)."""
    doing_work = []
    for path in PACKAGE.rglob("__init__.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            version = isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["__version__"]
            if not (docstring or version or isinstance(node, (ast.Import, ast.ImportFrom))):
                doing_work.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert doing_work == []


def _signature(rule_check: str) -> tuple[list[str], str]:
    module, _, function = rule_check.partition(":")
    source = (ROOT / Path(*module.split("."))).with_suffix(".py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            annotations = [ast.unparse(arg.annotation) if arg.annotation else "" for arg in node.args.args]
            return annotations, ast.unparse(node.returns) if node.returns else ""
    raise AssertionError(f"{rule_check}: no such function")


@pytest.mark.parametrize("rule", [rule for rule in load_rules() if rule.check], ids=lambda rule: rule.id)
def test_each_check_is_typed_against_its_rule_model(rule) -> None:  # type: ignore[no-untyped-def]
    """`check(model, ctx) -> Iterator[Hit]` with the model the catalog entry names: mypy then checks
    the body against the model's real type, and no check reads an untyped `Any`."""
    parameters, returns = _signature(rule.check)
    assert parameters == [MODEL_TYPES[rule.model], "RuleContext"], rule.check
    assert returns == "Iterator[Hit]", rule.check
