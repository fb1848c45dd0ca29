"""How long a warm `hullscan lsp` takes from a change to its diagnostics, as an editor sees it.

    python benchmarks/lsp_latency.py              # 300-line manifest; 30-file workspace
    python benchmarks/lsp_latency.py --runs 50

The server runs as a subprocess spoken to over JSON-RPC (`tests/lsp_wire.py`), with no debounce,
so what is timed is judging and publishing: from sending `didChange` to receiving the diagnostics
of that version. Each case is warmed first (the catalog read, the files on disk judged), then
changed `--runs` times, alternating between two versions of the buffer. Medians and the 90th
percentile of the wall time are printed, and the server's CPU time per change (from /proc, so
that a loaded machine, which stretches the wall time, can be told apart from a slow server); the
last case times a change after a file on disk was saved, when the workspace is judged again.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from lsp_wire import LspClient  # noqa: E402

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app{n}
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {{app: app{n}}}
  template:
    metadata:
      labels: {{app: app{n}, tier: web}}
    spec:
      serviceAccountName: app{n}
      containers:
        - name: web
          image: registry.example/app{n}:1.{n}
          ports:
            - containerPort: 8080
          env:
            - name: MODE
              value: production
            - name: DB_PASSWORD
              valueFrom: {{secretKeyRef: {{name: db{n}, key: password}}}}
          securityContext:
            privileged: {privileged}
            runAsNonRoot: true
            allowPrivilegeEscalation: false
          resources:
            limits: {{cpu: 500m, memory: 256Mi}}
"""
OTHERS = {
    "service": "apiVersion: v1\nkind: Service\nmetadata:\n  name: app{n}\n  namespace: shop\nspec:\n"
               "  selector: {{app: app{n}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n",
    "policy": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: app{n}\n  namespace: shop\n"
              "spec:\n  podSelector: {{matchLabels: {{app: app{n}}}}}\n  policyTypes: [Ingress]\n",
    "binding": "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: app{n}\n"
               "  namespace: shop\nsubjects: [{{kind: ServiceAccount, name: app{n}, namespace: shop}}]\n"
               "roleRef: {{kind: Role, name: app{n}, apiGroup: rbac.authorization.k8s.io}}\n",
}


def manifest(lines: int, privileged: bool) -> str:
    """Deployments joined into a stream of about `lines` lines."""
    documents, n = [], 0
    while sum(d.count("\n") for d in documents) < lines:
        documents.append(DEPLOYMENT.format(n=n, privileged=str(privileged).lower()))
        n += 1
    return "---\n".join(documents)


def workspace(root: Path, files: int) -> None:
    """`files` files: Deployments, with Services, NetworkPolicies and RoleBindings beside them."""
    kinds = ["deployment", *OTHERS]
    for index in range(files - 1):
        kind = kinds[index % len(kinds)]
        n = index // len(kinds)
        text = DEPLOYMENT.format(n=n, privileged="false") if kind == "deployment" else OTHERS[kind].format(n=n)
        (root / f"{kind}-{n}.yaml").write_text(text)


def timed(client: LspClient, uri: str, texts: tuple[str, str], runs: int, before: Callable[[int], None]) -> list[float]:
    times = []
    for version in range(2, runs + 2):
        before(version)
        start = time.perf_counter()
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                 "contentChanges": [{"text": texts[version % 2]}]})
        client.diagnostics(uri, version)
        times.append((time.perf_counter() - start) * 1000)
    return times


def case(name: str, root: Path, rel: str, texts: tuple[str, str], runs: int, disk_changes: bool = False) -> None:
    env = {**os.environ, "HULLSCAN_CACHE_DIR": str(root.parent / "cache"), "XDG_CONFIG_HOME": str(root.parent / "config")}
    client = LspClient([str(Path(sys.executable).with_name("hullscan")), "lsp"], cwd=root, env=env)
    client.initialize(root, {"debounce": 0})
    uri = (root / rel).as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                            "text": texts[1]}})
    client.diagnostics(uri, 1)
    timed(client, uri, texts, 5, lambda version: None)  # warm-up

    def touch(version: int) -> None:
        if disk_changes:
            saved = root / "service-0.yaml"
            saved.write_text(saved.read_text())
            os.utime(saved, ns=(version, version))
            client.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": saved.as_uri(), "type": 2}]})

    cpu = cpu_seconds(client.process.pid)
    times = sorted(timed(client, uri, texts, runs, touch))
    cpu = (cpu_seconds(client.process.pid) - cpu) / runs * 1000
    client.close()
    p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
    print(f"{name:<58} median {statistics.median(times):6.1f} ms  p90 {p90:6.1f} ms  "
          f"server CPU {cpu:5.1f} ms/change  ({runs} changes)")


def cpu_seconds(pid: int) -> float:
    """User and system time of a process so far (Linux), 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--lines", type=int, default=300)
    parser.add_argument("--files", type=int, default=30)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} cores, load average {load:.1f}, Python {sys.version.split()[0]}")
    texts = (manifest(args.lines, True), manifest(args.lines, False))
    with tempfile.TemporaryDirectory() as alone, tempfile.TemporaryDirectory() as shared:
        (Path(alone) / "w").mkdir()
        case(f"{texts[0].count(chr(10))}-line manifest, alone", Path(alone) / "w", "manifest.yaml", texts, args.runs)
        root = Path(shared) / "w"
        root.mkdir()
        workspace(root, args.files)
        small = (DEPLOYMENT.format(n=99, privileged="true"), DEPLOYMENT.format(n=99, privileged="false"))
        case(f"one Deployment in a {args.files}-file workspace (relations)", root, "edited.yaml", small, args.runs)
        case(f"{texts[0].count(chr(10))}-line manifest in a {args.files}-file workspace", root, "manifest.yaml", texts,
             args.runs)
        case("the same, a file on disk saved before each change", root, "edited.yaml", small, args.runs, True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
