"""For manifests hardened and then weakened at random, `fix --unsafe` removes the findings of
every rule that declares a fix and adds none."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fix_fixtures import fix_folder

from scanner.catalog.rules import load_rules

# Each setting of a hardened container: its lines, and the weakened forms a writer might leave.
SETTINGS = {
    "runAsNonRoot": (["runAsNonRoot: true"], [[], ["runAsNonRoot: false"]]),
    "allowPrivilegeEscalation": (["allowPrivilegeEscalation: false"], [[], ["allowPrivilegeEscalation: true"]]),
    "privileged": (["privileged: false"], [["privileged: true"]]),
    "readOnlyRootFilesystem": (["readOnlyRootFilesystem: true"], [[], ["readOnlyRootFilesystem: false"]]),
    "capabilities": (["capabilities:", "  drop: [ALL]"], [[], ["capabilities:", "  drop: [NET_RAW]"]]),
    "seccompProfile": (["seccompProfile:", "  type: RuntimeDefault"], [[], ["seccompProfile:", "  type: Unconfined"]]),
}
POD = {
    "automountServiceAccountToken": (["automountServiceAccountToken: false"], [[], ["automountServiceAccountToken: true"]]),
    "hostPID": ([], [["hostPID: true"]]),
    "hostNetwork": ([], [["hostNetwork: true"]]),
}
RESOURCES = ["resources:", "  limits: {memory: 512Mi, cpu: \"1\"}", "  requests: {memory: 128Mi, cpu: 100m}"]


def manifest(weak: dict[str, int], pod_weak: dict[str, int], resources: bool, crlf: bool) -> str:
    context = [line for name, (good, bad) in SETTINGS.items()
               for line in (good if name not in weak else bad[weak[name] % len(bad)])]
    pod = [line for name, (good, bad) in POD.items()
           for line in (good if name not in pod_weak else bad[pod_weak[name] % len(bad)])]
    lines = ["apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: api  # the API",
             "  namespace: shop", "spec:", "  template:", "    spec:", *("      " + line for line in pod),
             "      containers:", "        - name: web", "          image: registry.example.com/web:1.4.2",
             *(["          securityContext:", *("            " + line for line in context)] if context else []),
             *(("          " + line for line in RESOURCES) if resources else ())]
    return ("\r\n" if crlf else "\n").join(lines) + ("\r\n" if crlf else "\n")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(weak=st.dictionaries(st.sampled_from(sorted(SETTINGS)), st.integers(0, 1), min_size=1),
       pod_weak=st.dictionaries(st.sampled_from(sorted(POD)), st.integers(0, 1)),
       resources=st.booleans(), crlf=st.booleans())
def test_fix_unsafe_removes_every_fixable_finding(tmp_path_factory, weak, pod_weak, resources, crlf):
    project: Path = tmp_path_factory.mktemp("weakened")
    (project / "deploy.yaml").write_bytes(manifest(weak, pod_weak, resources, crlf).encode())
    fixable = {rule.id for rule in load_rules() if rule.fix is not None}
    outcome = fix_folder(project)
    assert not outcome.unreadable_after
    left = {f.rule for f in outcome.after if f.rule in fixable}
    assert left == set(), [(s.finding.rule, s.reason) for s in outcome.skipped]
    before = {(f.rule, f.resource) for f in outcome.before}
    assert {(f.rule, f.resource) for f in outcome.after} <= before
    fixed = outcome.fixed.get("deploy.yaml")
    if fixed is not None:
        assert fixed.count(b"\n") == fixed.count(b"\r\n") if crlf else b"\r" not in fixed
