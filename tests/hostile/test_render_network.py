"""No rendering reaches the network: a "remote" server on 127.0.0.1 stands for every URL a chart or
an overlay names, and no connection may arrive, while the local objects are still judged."""

from __future__ import annotations

import base64
import io
import json
import tarfile
from pathlib import Path

from attacks import listener, write_tree
from render_runs import CHART_YAML, assert_not_leaked, findings, pod, scan_every_format


def _subchart_archive(url: str) -> bytes:
    """A vendored subchart whose own schema refers to the remote, and a link inside the archive."""
    files = {"sub/Chart.yaml": "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
             "sub/values.schema.json": json.dumps({"properties": {"a": {"$ref": f"{url}/sub.json"}}}),
             "sub/templates/pod.yaml": pod(name="sub")}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(text.encode())
            archive.addfile(info, io.BytesIO(text.encode()))
        link = tarfile.TarInfo("sub/templates/environ.txt")
        link.type, link.linkname = tarfile.SYMTYPE, "/proc/self/environ"
        archive.addfile(link)
    return buffer.getvalue()


def _project(root: Path, url: str) -> Path:
    host_port = url.removeprefix("http://")
    chart_yaml = CHART_YAML + f"dependencies:\n  - name: fetched\n    version: 1.0.0\n    repository: {url}/charts\n"
    write_tree(root, {
        "chart/Chart.yaml": chart_yaml,
        "chart/values.schema.json": json.dumps({"$ref": f"{url}/schema.json",
                                                "properties": {"x": {"$ref": "file:///etc/passwd"}}}),
        "chart/templates/pod.yaml": pod(),
        "chart/charts/sub-0.1.0.tgz": base64.b64encode(_subchart_archive(url)).decode(),
        "overlay/pod.yaml": pod(name="local"),
        "overlay/kustomization.yaml": (
            "resources:\n  - pod.yaml\n"
            f"  - {url}/remote.yaml\n"
            f"  - {url}/org/repo.git//base?ref=main\n"
            f"  - ssh://git@{host_port}/org/repo.git\n"
            f"  - git@{host_port.split(':')[0]}:org/repo.git\n"
            "  - github.com/org/repo//base?ref=v1.0.0\n"
            f"patches:\n  - path: {url}/patch.yaml\n"
            f"configMapGenerator:\n  - name: remote\n    files: [{url}/file.txt]\n"
            f"helmCharts:\n  - name: fetched\n    repo: {url}/charts\n"),
    })
    archive = root / "chart/charts/sub-0.1.0.tgz"
    archive.write_bytes(base64.b64decode(archive.read_text()))
    return root


def test_no_connection_arrives_and_local_objects_are_judged(tmp_path: Path) -> None:
    with listener() as (url, received):
        project = _project(tmp_path / "project", url)
        outputs = scan_every_format(project)
        found, report, notes = findings(project)
    assert received == []
    assert_not_leaked(outputs)
    assert {("CTR002", "chart/templates/pod.yaml"), ("CTR002", "chart/charts/sub-0.1.0.tgz!templates/pod.yaml"),
            ("CTR002", "overlay/pod.yaml")} <= set(found)
    assert len(found) == len(set(found))  # the second release name adds no duplicate
    assert f"{url}/remote.yaml" in notes and "github.com/org/repo//base?ref=v1.0.0" in notes
    assert "values.schema.json not applied" in notes and "'fetched' is not vendored" in notes
    assert report["errors"] == []
