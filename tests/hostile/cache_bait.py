"""What the cache tests plant and scan: a small project whose files are all cached (a Terraform
file, and a Kubernetes manifest large enough to be), and a pickle that shows when it runs."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from scanner import __version__

FILLER = "".join(f"# line {n:04} of a long header, so that this file is large enough to be cached\n"
                 for n in range(250))
POD = FILLER + """\
apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: registry.example.com/agent:2.0.1
      securityContext:
        privileged: true
"""
DEPLOYMENT_TF = """\
resource "kubernetes_deployment_v1" "api" {
  metadata {
    name = "api"
  }
  spec {
    template {
      metadata {}
      spec {
        container {
          name  = "web"
          image = "registry.example.com/web:1.4.2"
          security_context {
            privileged = true
          }
        }
      }
    }
  }
}
"""
FILES = {"pod.yaml": ("kubernetes", POD), "main.tf": ("terraform", DEPLOYMENT_TF)}


class OpensMarker:
    """Unpickling this calls `open(marker, "w")`: the file appearing means the pickle ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return open, (str(self.marker), "w")


def old_layout(cache_root: Path, kind: str, rel: str, text: str) -> Path:
    """Where the previous release looked for a file's pickled tree."""
    key = rel + "\0" + text
    digest = hashlib.sha256(f"{__version__}\0{kind}\0".encode() + key.encode("utf-8", "surrogatepass")).hexdigest()
    return cache_root / "parse" / digest[:2] / digest[2:]
