"""Throughput per format on a generated corpus, and how a whole scan scales with the tree's size.

    python benchmarks/throughput.py                 # files/s and lines/s per format
    python benchmarks/throughput.py --scale 1000 10000 100000

Parsing is timed in-process per format (YAML, Dockerfile, HCL, and the secrets pass in MB/s), and
CloudFormation and ARM templates of the same resources are parsed and evaluated per line;
scaling runs the real command on trees of N generated files, so start-up is included once.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{n}
  namespace: team-{m}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: app-{n}}}
  template:
    metadata:
      labels: {{app: app-{n}}}
    spec:
      containers:
        - name: web
          image: registry.example.com/app-{n}:1.{n}.0
          ports: [{{containerPort: 8080}}]
          env:
            - name: LOG_LEVEL
              value: info
          resources:
            limits: {{cpu: 500m, memory: 256Mi}}
          securityContext:
            runAsNonRoot: true
            allowPrivilegeEscalation: false
---
apiVersion: v1
kind: Service
metadata:
  name: app-{n}
  namespace: team-{m}
spec:
  selector: {{app: app-{n}}}
  ports: [{{port: 80, targetPort: 8080}}]
"""

DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app-{n} ./cmd/app

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app-{n} /app
USER nonroot
EXPOSE 8080
ENTRYPOINT ["/app"]
"""

TERRAFORM = """\
variable "name_{n}" {{
  default = "app-{n}"
}}

resource "aws_ecr_repository" "repo_{n}" {{
  name                 = var.name_{n}
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {{
    scan_on_push = true
  }}
}}

resource "aws_security_group" "sg_{n}" {{
  name = "sg-{n}"
  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }}
}}
"""

# The same cluster, registry and firewall rule as a CloudFormation and an ARM template: parsed and
# evaluated into the cloud model (parameters, conditions, functions), which is what rules read.
CLOUDFORMATION = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Name:
    Type: String
    Default: app-{n}
  Public:
    Type: String
    Default: "false"
Conditions:
  IsPublic: !Equals [!Ref Public, "true"]
Resources:
  Repo:
    Type: AWS::ECR::Repository
    Properties:
      RepositoryName: !Sub "${{Name}}-repo"
      ImageTagMutability: IMMUTABLE
      ImageScanningConfiguration:
        ScanOnPush: true
  Cluster:
    Type: AWS::EKS::Cluster
    Properties:
      Name: !Ref Name
      ResourcesVpcConfig:
        EndpointPublicAccess: !If [IsPublic, true, false]
        SubnetIds: [subnet-a, subnet-b]
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: app-{n}
      SecurityGroupIngress:
        - {{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8}}
"""

ARM = """\
{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{
    "name": {{ "type": "string", "defaultValue": "app-{n}" }},
    "public": {{ "type": "bool", "defaultValue": false }}
  }},
  "variables": {{ "registry": "[concat(replace(parameters('name'), '-', ''), 'acr')]" }},
  "resources": [
    {{
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "[variables('registry')]",
      "location": "westeurope",
      "sku": {{ "name": "Premium" }},
      "properties": {{ "adminUserEnabled": false, "publicNetworkAccess": "Disabled" }}
    }},
    {{
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-02-01",
      "name": "[parameters('name')]",
      "location": "westeurope",
      "properties": {{
        "apiServerAccessProfile": {{ "enablePrivateCluster": "[not(parameters('public'))]" }},
        "agentPoolProfiles": [ {{ "name": "system", "count": 3, "mode": "System" }} ]
      }}
    }},
    {{
      "type": "Microsoft.Network/networkSecurityGroups",
      "apiVersion": "2023-09-01",
      "name": "[format('{{0}}-nsg', parameters('name'))]",
      "location": "westeurope",
      "properties": {{
        "securityRules": [ {{ "name": "https", "properties": {{ "priority": 100, "direction": "Inbound",
          "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "10.0.0.0/8",
          "destinationPortRange": "443" }} }} ]
      }}
    }}
  ]
}}
"""
TEMPLATES = {"cloudformation": ("app-{n}.yaml", CLOUDFORMATION), "arm": ("app-{n}.json", ARM)}

FORMATS = {"kubernetes": ("app-{n}.yaml", DEPLOYMENT), "dockerfile": ("app-{n}/Dockerfile", DOCKERFILE),
           "terraform": ("mod-{n}/main.tf", TERRAFORM)}


def generate(root: Path, count: int, formats: tuple[str, ...] = tuple(FORMATS)) -> None:
    for index in range(count):
        kind = formats[index % len(formats)]
        name, template = FORMATS[kind]
        path = root / name.format(n=index)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(n=index, m=index % 7))


def _time(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def parse_throughput(count: int) -> list[str]:
    from scanner.parse.parsers import parser_for

    rows = ["| format | files/s | lines/s |", "|---|---|---|"]
    for kind, (_, template) in FORMATS.items():
        texts = [template.format(n=i, m=i % 7) for i in range(count)]
        parse = parser_for(kind)
        seconds = _time(lambda: [parse(text, "bench") for text in texts])  # noqa: B023
        lines = sum(text.count("\n") for text in texts)
        rows.append(f"| {kind} | {count / seconds:,.0f} | {lines / seconds:,.0f} |")
        if kind == "terraform":  # the yardstick: python-hcl2's own parse, without our node model
            import hcl2

            seconds = _time(lambda: [hcl2.parses_to_tree(text) for text in texts])  # noqa: B023
            rows.append(f"| terraform (python-hcl2 alone) | {count / seconds:,.0f} | {lines / seconds:,.0f} |")
    return rows


def template_throughput(count: int) -> list[str]:
    """CloudFormation and ARM templates describing the same resources: parsed, then evaluated into
    the cloud model, per line of template."""
    from scanner.adapters.cloud import build
    from scanner.inputs.parsed import ParsedFile
    from scanner.parse.parsers import parser_for
    from scanner.settings.config import Config

    rows = ["| template | files/s | lines/s (parse) | lines/s (parse and evaluate) |", "|---|---|---|---|"]
    for kind, (name, template) in TEMPLATES.items():
        texts = [template.format(n=i) for i in range(count)]
        parse = parser_for(kind)
        trees: list[object] = []
        parse_seconds = _time(lambda: trees.extend(parse(text, "bench") for text in texts))  # noqa: B023
        files = [ParsedFile(rel=name.format(n=i), type=kind, text=text, tree=tree)
                 for i, (text, tree) in enumerate(zip(texts, trees))]
        evaluate_seconds = _time(lambda: [build([file], Config()) for file in files])  # noqa: B023
        lines = sum(text.count("\n") for text in texts)
        total = parse_seconds + evaluate_seconds
        rows.append(f"| {kind} | {count / total:,.0f} | {lines / parse_seconds:,.0f} | {lines / total:,.0f} |")
    return rows


def secrets_throughput(corpus: Path | None) -> str:
    from scanner.inputs.parsed import ParsedFile
    from scanner.secrets.model import build
    from scanner.settings.config import Config

    texts = [p.read_text(errors="replace") for p in corpus.rglob("*") if p.is_file()] if corpus else \
        [DEPLOYMENT.format(n=i, m=i) for i in range(5000)]
    files = [ParsedFile(rel=f"f{i}", type="text", text=t) for i, t in enumerate(texts)]
    size = sum(len(t.encode()) for t in texts) / 1e6
    seconds = _time(lambda: build(files, Config()))
    return f"secrets pass: {size:.1f} MB in {seconds:.2f} s = {size / seconds:.1f} MB/s"


def scaling(counts: list[int], jobs: str, extra: list[str]) -> list[str]:
    """Whole scans of generated trees: wall time and the peak memory of the largest process (the
    main one, or a worker), measured by a wrapper process as compare.py does."""
    from compare import WRAPPER, tool_env

    rows = ["| files | seconds | seconds per 1k files | findings | peak memory |", "|---|---|---|---|---|"]
    for count in counts:
        with tempfile.TemporaryDirectory() as folder:
            generate(Path(folder), count)
            command = [sys.executable, "-m", "scanner", "scan", folder, "--format", "json",
                       "--fail-on", "never", "--no-cache", "--jobs", jobs, *extra]
            done = subprocess.run([sys.executable, "-c", WRAPPER, *command], capture_output=True, check=False,
                                  env=tool_env())
        seconds, peak_kib = done.stderr.decode().split()[-2:]
        findings = json.loads(done.stdout)["summary"]["findings"]
        rows.append(f"| {count:,} | {float(seconds):.2f} | {float(seconds) / count * 1000:.2f} | {findings:,} "
                    f"| {int(peak_kib) / 1024:.0f} MiB |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=2000, help="files per format for parse throughput")
    parser.add_argument("--secrets-corpus", type=Path, help="a folder to time the secrets pass on")
    parser.add_argument("--scale", type=int, nargs="*", default=[], help="whole-scan tree sizes")
    parser.add_argument("--jobs", default="0", help="--jobs for the whole-scan runs (0: hullscan's default)")
    parser.add_argument("--scan-args", default="", help="more flags for the whole-scan runs, e.g. "
                        "'--ignore K8S020' to see memory when findings are few")
    args = parser.parse_args(argv)
    print("\n".join(parse_throughput(args.files)))
    print("\n".join(template_throughput(args.files)))
    print(secrets_throughput(args.secrets_corpus))
    if args.scale:
        print("\n".join(scaling(args.scale, args.jobs, args.scan_args.split())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
