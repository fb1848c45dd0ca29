"""Audit hullscan's findings on real repositories: what a reviewer would call noise or wrong.

    python3 benchmarks/corpus_audit.py ../shared/corpora/*          # every corpus
    python3 benchmarks/corpus_audit.py --show 5 ../shared/corpora/argo-cd-manifests
    python3 benchmarks/corpus_audit.py --profile strict ../shared/corpora/*   # every rule

For each corpus folder it runs `hullscan scan DIR --root DIR --format json` (with `--profile`
when given) and prints
- findings in all, per rule, per workload (a Kubernetes workload, Compose service or ECS task in
  its file that a container rule reports: every finding about it), per Dockerfile and per file;
- entries in the Markdown report, where a container's hygiene findings are one entry and the same
  finding in several bundles of the same objects another (`scanner.report.grouping`);
- duplicates: two rules reporting one concern — findings of different rules on the same line for
  the same checklist item, and
  findings whose message names another finding's object (a binding and the role it grants);
- rendered findings (Helm or Kustomize, marked `[chart ...]` / `[kustomize ...]`) whose line is
  not inside the source object they name, or not inside the container they name: a finding at the
  wrong line sends the user to edit the wrong place.
The figures are what the precision work is measured by; the corpora are never committed.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

_NAMED_OBJECT = re.compile(r"\b(?:grants|binds|uses|references) ((?:Cluster)?Role|Secret|ServiceAccount)/([\w.:-]+)")
_CONTAINER = re.compile(r'container "([^"]+)"')
_KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_NAMESPACE = re.compile(r'^namespace "([^"]+)"$')
_RENDERED = re.compile(r"\[(?:chart|kustomize) [^\]]*\]$")


def scan(corpus: Path, profile: str = "") -> dict[str, Any]:
    extra = ["--profile", profile] if profile else []
    done = subprocess.run(["hullscan", "scan", str(corpus), "--root", str(corpus), "--format", "json",
                           "--fail-on", "never", *extra], capture_output=True, text=True, check=False)
    return json.loads(done.stdout)


def workload(finding: dict[str, Any]) -> str:
    """The object a finding is about, in its file (`path::Deployment/web`, `path::service "db"`)."""
    return f"{finding['path']}::{_object(finding['resource'])}"


def per_unit(findings: list[dict[str, Any]]) -> str:
    """Findings per workload (an object some container rule reports: a Kubernetes workload, a
    Compose service, an ECS task), counting every finding about it, and per Dockerfile."""
    workloads = {workload(f) for f in findings if f["rule"].startswith("CTR")}
    counts = Counter(workload(f) for f in findings if workload(f) in workloads)
    images = Counter(f["path"] for f in findings if f["rule"].startswith("DKR"))
    return f"per workload: {_mean_median(counts)} ({len(counts)}); per Dockerfile: {_mean_median(images)} ({len(images)})"


def _mean_median(counts: Counter[str]) -> str:
    values = sorted(counts.values())
    return f"{sum(values) / len(values):.1f}, median {values[len(values) // 2]}" if values else "-"


def entries(findings: list[dict[str, Any]]) -> int:
    """How many rows the Markdown report shows for these findings (`scanner.report.grouping`)."""
    from scanner.catalog.rules import load_rules
    from scanner.report.grouping import group
    from scanner.results.findings import Finding

    fields = Finding.__dataclass_fields__
    rules = {rule.id: rule for rule in load_rules()}
    return len(group([Finding(**{k: (tuple(v) if k == "checklist" else v) for k, v in f.items() if k in fields})
                      for f in findings], rules))


def _object(resource: str) -> str:
    """`Deployment/web container "app"` -> `Deployment/web`; `service "db"` stays whole."""
    return resource.split(" container ", 1)[0]


def duplicates(findings: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    pairs: Counter[tuple[str, str]] = Counter()
    by_line: dict[tuple[str, int, str], set[str]] = defaultdict(set)
    for finding in findings:  # one line, one checklist item: one concern
        for item in finding["checklist"]:
            by_line[(finding["path"], finding["line"], item)].add(finding["rule"])
    for rules in by_line.values():
        ordered = sorted(rules)
        pairs.update((a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:])
    by_object: dict[str, set[str]] = defaultdict(set)
    for finding in findings:
        by_object[_object(finding["resource"])].add(finding["rule"])
    for finding in findings:
        for kind, name in _NAMED_OBJECT.findall(finding["message"]):
            for other in sorted(by_object.get(f"{kind}/{name}", ())):
                if other != finding["rule"]:
                    pairs[(finding["rule"], other)] += 1
    return pairs


def _spans(path: Path) -> list[tuple[str, int, int, dict[str, tuple[int, int]]]]:
    """(Kind/name, first line, last line, {container name: (first, last)}) per document of a file."""
    from scanner.nodes import Mapping, Sequence, text
    from scanner.parse.yaml import parse_documents

    try:
        documents = parse_documents(path.read_text(encoding="utf-8", errors="replace"), str(path))
    except Exception:  # noqa: BLE001 - a template or broken file has no spans to check against
        return []
    spans = []
    for document in documents:
        if not isinstance(document, Mapping):
            continue
        if text(document.get("kind")) in ("Kustomization", "Component", None) and path.name in _KUSTOMIZATIONS:
            spans.extend(_patch_spans(document))
            continue
        metadata = document.get("metadata")
        name = text(metadata.get("name")) if isinstance(metadata, Mapping) else None
        containers: dict[str, tuple[int, int]] = {}
        stack: list[Any] = [document]
        while stack:
            node = stack.pop()
            if isinstance(node, Mapping):
                for key, value in node.values.items():
                    if key in ("containers", "initContainers", "ephemeralContainers") and isinstance(value, Sequence):
                        for item in value.items:
                            if isinstance(item, Mapping) and text(item.get("name")):
                                containers[str(text(item.get("name")))] = (item.loc.line, item.loc.end_line)
                    stack.append(value)
            elif isinstance(node, Sequence):
                stack.extend(node.items)
        spans.append((f"{text(document.get('kind'))}/{name}", document.loc.line, document.loc.end_line, containers))
    return spans


def _patch_spans(document: Any) -> list[tuple[str, int, int, dict[str, tuple[int, int]]]]:
    """A kustomization's inline patches that name their target: a finding about a value such a
    patch sets belongs there."""
    from scanner.nodes import Mapping, Sequence, dig, text

    spans = []
    for key in ("patches", "patchesJson6902"):
        listed = document.get(key)
        for entry in listed.items if isinstance(listed, Sequence) else ():
            if isinstance(entry, Mapping) and text(dig(entry, "target", "name")):
                target = f"{text(dig(entry, 'target', 'kind'))}/{text(dig(entry, 'target', 'name'))}"
                spans.append((target, entry.loc.line, entry.loc.end_line, {}))
    return spans


def misplaced(findings: list[dict[str, Any]], corpus: Path) -> list[tuple[dict[str, Any], str]]:
    """Rendered findings whose line lies outside the object, or the container, they name."""
    wrong = []
    cache: dict[str, list[tuple[str, int, int, dict[str, tuple[int, int]]]]] = {}
    for finding in findings:
        if not _RENDERED.search(finding["message"]) or finding["path"].endswith(">"):
            continue
        if finding["path"] not in cache:
            cache[finding["path"]] = _spans(corpus / finding["path"])
        spans = cache[finding["path"]]
        named = _NAMESPACE.match(finding["resource"])  # `namespace "x"`: a finding about Namespace/x
        kind, _, name = ("Namespace", "", named.group(1)) if named else _object(finding["resource"]).partition("/")
        line = finding["line"]
        inside = [s for s in spans if s[0].split("/")[0] == kind and s[0].split("/", 1)[1] in name
                  and s[1] <= line <= s[2]]
        if not inside:
            if any(s[1] <= line <= s[2] for s in spans):  # in another object of the file
                wrong.append((finding, "inside another object"))
            continue
        container = _CONTAINER.search(finding["resource"])
        if container:
            span = inside[0][3].get(container.group(1))
            if span is not None and not span[0] <= line <= span[1]:
                wrong.append((finding, f"outside container {container.group(1)!r}"))
    return wrong


def report(corpus: Path, show: int, profile: str = "") -> None:
    result = scan(corpus, profile)
    findings = result["findings"]
    files = {f["path"] for f in findings}
    print(f"## {corpus.name}: {len(findings)} findings, {len(result['errors'])} errors")
    print(f"{per_unit(findings)}; per file with findings: {len(findings) / max(len(files), 1):.1f} "
          f"({len(files)} files); grouped entries (Markdown report): {entries(findings)}")
    print("per rule: " + ", ".join(f"{r} {n}" for r, n in Counter(f["rule"] for f in findings).most_common()))
    pairs = duplicates(findings)
    print(f"duplicate pairs: {sum(pairs.values())}" + ("" if not pairs else " (" + ", ".join(
        f"{a}+{b} {n}" for (a, b), n in pairs.most_common()) + ")"))
    paths: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for finding in findings:  # one rule, object and message in several files: generated bundles
        paths[(finding["rule"], finding["resource"], finding["message"])].append(finding["path"])
    repeated = [found for found in paths.values() if len(set(found)) > 1]
    print(f"same finding in several files: {sum(map(len, repeated))} findings, {len(repeated)} distinct")
    wrong = misplaced(findings, corpus)
    rendered = sum(1 for f in findings if _RENDERED.search(f["message"]))
    print(f"rendered findings outside their object or container: {len(wrong)} of {rendered}")
    for finding, why in wrong[:show]:
        print(f"  {finding['path']}:{finding['line']} {finding['rule']} {finding['resource']}: {why}")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--show", type=int, default=3, help="misplaced findings to print per corpus")
    parser.add_argument("--profile", default="", help="hullscan's --profile (default: its own default)")
    arguments = parser.parse_args()
    for corpus in arguments.corpora:
        if corpus.is_dir():
            report(corpus.resolve(), arguments.show, arguments.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
