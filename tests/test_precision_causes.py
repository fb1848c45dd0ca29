"""Causes of wrong findings seen on real repositories, each from a small look-alike of the file
that showed it: names a deploy tool fills in, placeholders, WebAssembly services, and health
checks made where the image runs."""

from __future__ import annotations

from pathlib import Path

from scanner.inputs.discover import walk
from scanner.run.engine import scan
from scanner.settings.config import Config

# Like a microservices demo: skaffold builds `cartservice` from src/cartservice and deploys the
# manifests, whose `image: cartservice` skaffold replaces with the image it built.
SKAFFOLD = """\
apiVersion: skaffold/v3
kind: Config
build:
  artifacts:
  - image: cartservice
    context: src/cartservice
  - image: loadgenerator
    context: src/loadgenerator
manifests:
  rawYaml: [kubernetes-manifests/*.yaml]
"""
CART = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cartservice
spec:
  template:
    spec:
      containers:
      - name: server
        image: cartservice
        readinessProbe:
          grpc: {port: 7070}
      - name: redis
        image: redis
"""
LOADGEN = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: loadgenerator
spec:
  template:
    spec:
      containers:
      - name: main
        image: loadgenerator
"""
SERVER_DOCKERFILE = "FROM nginx:1.27\nCOPY site /usr/share/nginx/html\n"


def _scan(root: Path, files: dict[str, str], *rules: str) -> set[tuple[str, str, int]]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    result = scan(list(walk([str(root)], root)), Config(select=rules, root=root))
    assert not result.errors, result.errors
    return {(f.rule, f.path, f.line) for f in result.findings}


def test_a_skaffold_artifact_name_is_no_untagged_image(tmp_path: Path) -> None:
    found = _scan(tmp_path, {"skaffold.yaml": SKAFFOLD, "kubernetes-manifests/cart.yaml": CART},
                  "CTR022", "CTR023")
    # `redis` is pulled as written: untagged; `cartservice` is what skaffold built
    assert found == {("CTR022", "kubernetes-manifests/cart.yaml", 14),
                     ("CTR023", "kubernetes-manifests/cart.yaml", 14)}


def test_without_skaffold_the_same_name_is_an_untagged_image(tmp_path: Path) -> None:
    found = _scan(tmp_path, {"kubernetes-manifests/cart.yaml": CART}, "CTR023")
    assert ("CTR023", "kubernetes-manifests/cart.yaml", 10) in found


def test_no_healthcheck_finding_for_an_image_deployed_with_probes(tmp_path: Path) -> None:
    found = _scan(tmp_path, {"skaffold.yaml": SKAFFOLD, "kubernetes-manifests/cart.yaml": CART,
                             "kubernetes-manifests/loadgen.yaml": LOADGEN,
                             "src/cartservice/Dockerfile": SERVER_DOCKERFILE,
                             "src/loadgenerator/Dockerfile": SERVER_DOCKERFILE,
                             "src/other/Dockerfile": SERVER_DOCKERFILE}, "DKR061")
    # cartservice runs with a readiness probe; loadgenerator without one; `other` is built by
    # nothing the scan knows of
    assert {path for _, path, _ in found} == {"src/loadgenerator/Dockerfile", "src/other/Dockerfile"}


def test_no_healthcheck_finding_for_a_dockerfile_compose_checks(tmp_path: Path) -> None:
    compose = ("services:\n  web:\n    build: ./web\n    healthcheck:\n      test: [CMD, curl, -f, http://localhost]\n"
               "  proxy:\n    build: {context: proxy, dockerfile: Dockerfile.prod}\n")
    found = _scan(tmp_path, {"compose.yaml": compose, "web/Dockerfile": SERVER_DOCKERFILE,
                             "proxy/Dockerfile.prod": SERVER_DOCKERFILE}, "DKR061")
    assert {path for _, path, _ in found} == {"proxy/Dockerfile.prod"}


def test_a_scaled_to_zero_slot_without_an_image_is_no_workload(tmp_path: Path) -> None:
    slot = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: placeholder\nspec:\n  replicas: 0\n"
            "  template:\n    spec:\n      containers:\n      - name: app\n")
    scaled = slot.replace("      - name: app\n", "      - name: app\n        image: registry.example.com/app:1.0\n")
    assert _scan(tmp_path, {"slot.yaml": slot}, "CTR") == set()
    assert any(path == "scaled.yaml" for _, path, _ in _scan(tmp_path, {"scaled.yaml": scaled}, "CTR017"))


def test_a_webassembly_service_takes_no_linux_settings(tmp_path: Path) -> None:
    # like a Compose sample of a WasmEdge server next to its database
    compose = ("services:\n  server:\n    image: example/wasm-server:1.2\n    platform: wasi/wasm\n"
               "    runtime: io.containerd.wasmedge.v1\n  db:\n    image: mariadb:10.9\n")
    linux_only = ("CTR001", "CTR003", "CTR007", "CTR009")
    found = _scan(tmp_path, {"compose.yaml": compose}, *linux_only)
    assert {line for _, _, line in found} == {6}  # only the database service
    assert {rule for rule, _, _ in found} == set(linux_only)


def test_the_artifacts_taken_on_trust_are_named(tmp_path: Path) -> None:
    (tmp_path / "skaffold.yaml").write_text(SKAFFOLD)
    result = scan(list(walk([str(tmp_path)], tmp_path)), Config(root=tmp_path))
    assert any(note.startswith("skaffold.yaml builds cartservice, loadgenerator:") for note in result.notes)
