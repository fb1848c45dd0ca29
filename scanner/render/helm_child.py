"""The process that renders one chart with Helm's library, so that no chart can take the scan down.

Helm's template engine has no limits of its own: `range until 100000` nested twice runs for
hours, and a 200-byte template can produce 200 MB. The scan starts this module in a process of its
own (`helm.render_sdk`), which the scan kills at its time limit; here, memory is capped once the
library is loaded, and a rendering larger than the output limit is reported instead of sent.

`main` takes one job (read by the bootstrap line in `helm.render_sdk`) and writes one JSON line per rendering:
`{"manifests": {...}}` or `{"error": "..."}`. It only reads the private copy the job names.
"""

from __future__ import annotations

import json
import re
import resource
import sys
from typing import Any

# Bytes the renderer may use beyond what it has once Helm's library is loaded (its Go runtime
# reserves some 1.7 GB of address space up front, so the cap is relative).
MEMORY_ALLOWANCE = 1024 * 1024 * 1024


def _cap_memory(allowance: int) -> None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            found = re.search(r"^VmSize:\s+(\d+) kB", status.read(), re.MULTILINE)
    except OSError:
        return  # not Linux: the time limit still holds
    if found is None:
        return
    limit = int(found.group(1)) * 1024 + allowance
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _message(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[-1] if text else type(exc).__name__


def _emit(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


def main(job: dict[str, Any]) -> None:
    import helm_python

    _cap_memory(job.get("memory", MEMORY_ALLOWANCE))
    renderings = job["renderings"]
    try:
        chart = helm_python.Chart.load(job["chart"])
    except helm_python.HelmError as exc:
        for _ in renderings:
            _emit({"error": _message(exc)})
        return
    with chart:
        for rendering in renderings:
            try:
                values = {}
                if rendering["values"]:
                    with open(rendering["values"], encoding="utf-8", errors="replace") as handle:
                        values = helm_python.values_from_yaml(handle.read())
                manifests = chart.render(values=values, name=rendering["release"], namespace=job["namespace"])
            except helm_python.HelmError as exc:
                _emit({"error": _message(exc)})
                continue
            if sum(len(text) for text in manifests.values()) > job["max_output"]:
                _emit({"error": f"rendered more than {job['max_output']} bytes (--max-file-size); not judged"})
            else:
                _emit({"manifests": manifests})

