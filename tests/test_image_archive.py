"""Reading saved images: layouts, compression, whiteouts, hostile entries, limits, corruption."""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
import tarfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imagebuild import E, config, docker_save, docker_save_many, layer, oci_dir, oci_files, oci_tar

from scanner.app import scan_archive
from scanner.image.layers import ImageError
from scanner.image.model import ImageModel, opened
from scanner.nodes import dig
from scanner.settings.config import Config, Limits

LIMITS = Limits()


def _open(path: Path, limits: Limits = LIMITS) -> ImageModel:
    with opened(path, path.name, limits) as models:
        (model,) = models
    return model


def _read(path: Path, limits: Limits = LIMITS) -> tuple[ImageModel, dict[str, bytes]]:
    """The image and the contents it gives on demand, read while the archive is open."""
    with opened(path, path.name, limits) as models:
        (model,) = models
        return model, {f.path: data for f, data in model.contents(model.files)}


def _fates(model: ImageModel) -> dict[tuple[int, str], str]:
    return {(f.layer, f.path): f.fate for f in model.files}


def _two_layers() -> list[bytes]:
    return [layer(E("app/", kind=tarfile.DIRTYPE), E("app/main.py", b"print(1)\n"),
                  E("app/.env", b"A=1\n"), compress="gzip"),
            layer(E("app/.wh..env"), E("etc/motd", b"hi\n"), compress="gzip")]


@pytest.mark.parametrize("layout", ["docker-save", "oci-dir", "oci-tar"])
def test_layouts_give_the_same_files(tmp_path: Path, layout: str) -> None:
    layers = _two_layers()
    if layout == "docker-save":
        path = docker_save(tmp_path / "image.tar", layers)
    elif layout == "oci-dir":
        path = oci_dir(tmp_path / "layout", layers)
    else:
        path = oci_tar(tmp_path / "image.tar", layers)
    model = _open(path)
    assert model.name == "app:1"
    assert [layer.index for layer in model.layers] == [0, 1]
    assert model.layers[0].label.startswith("layer-0-") and len(model.layers[0].label) == 20
    assert _fates(model) == {(0, "app"): "present", (0, "app/main.py"): "present",
                             (0, "app/.env"): "deleted", (1, "etc/motd"): "present"}
    assert model.errors == [] and model.notes == []
    assert model.config is not None


def test_file_paths_and_contents_on_demand(tmp_path: Path) -> None:
    model, contents = _read(docker_save(tmp_path / "image.tar", _two_layers()))
    main = next(f for f in model.files if f.path == "app/main.py")
    assert model.file_path(main) == f"image.tar!{model.layers[0].label}/app/main.py"
    assert contents == {"app/main.py": b"print(1)\n", "app/.env": b"A=1\n", "etc/motd": b"hi\n"}


def test_gzip_compressed_docker_save(tmp_path: Path) -> None:
    plain = docker_save(tmp_path / "image.tar", _two_layers())
    packed = tmp_path / "image.tar.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert _fates(_open(packed)) == _fates(_open(plain))


def test_zstd_layer(tmp_path: Path) -> None:
    pytest.importorskip("zstandard")
    path = oci_dir(tmp_path / "layout", [layer(E("a.txt", b"x"), compress="zstd")],
                   media_type="application/vnd.oci.image.layer.v1.tar+zstd")
    model = _open(path)
    assert [(f.path, f.fate) for f in model.files] == [("a.txt", "present")]
    assert model.errors == [] and model.notes == []


def test_zstd_layer_without_the_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = b"\x28\xb5\x2f\xfd" + b"\x00" * 32
    path = oci_dir(tmp_path / "layout", [raw])
    monkeypatch.setitem(sys.modules, "zstandard", None)
    model = _open(path)
    assert len(model.errors) == 1 and "zstandard" in model.errors[0]


def test_whiteouts_and_opaque_directories(tmp_path: Path) -> None:
    layers = [
        layer(E("a/x", b"1"), E("a/sub/y", b"2"), E("b/z", b"3"), E("c/keep", b"4"), E("d/f", b"5")),
        # a/ is emptied for lower layers but keeps what this layer adds; b/ is removed with its
        # subtree; the whiteout of c/new does not hide this layer's own c/new; d is replaced.
        layer(E("a/.wh..wh..opq"), E("a/fresh", b"6"), E("b/.wh.z"), E("c/new", b"7"), E("c/.wh.new"),
              E("d", b"file now")),
        layer(E("a/fresh", b"8")),
    ]
    fates = _fates(_open(docker_save(tmp_path / "image.tar", layers)))
    assert fates == {
        (0, "a/x"): "deleted", (0, "a/sub/y"): "deleted", (0, "b/z"): "deleted",
        (0, "c/keep"): "present", (0, "d/f"): "deleted",
        (1, "a/fresh"): "replaced", (1, "c/new"): "present", (1, "d"): "present",
        (2, "a/fresh"): "present",
    }


def test_directory_whiteout_removes_the_subtree(tmp_path: Path) -> None:
    layers = [layer(E("srv/app/.git/config", b"x"), E("srv/app/.git/HEAD", b"y"), E("srv/keep", b"z")),
              layer(E("srv/app/.wh..git"))]
    fates = _fates(_open(docker_save(tmp_path / "image.tar", layers)))
    assert fates == {(0, "srv/app/.git/config"): "deleted", (0, "srv/app/.git/HEAD"): "deleted",
                     (0, "srv/keep"): "present"}


def test_hostile_entries_are_recorded_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("host file\n")
    layers = [layer(
        E("../../escape.txt", b"climb"),
        E("a/../../escape2.txt", b"climb"),
        E("/etc/absolute", b"abs"),
        E("app/link", kind=tarfile.SYMTYPE, linkname=str(outside)),
        E("app/hard", kind=tarfile.LNKTYPE, linkname="etc/absolute"),
        E("dev/sda", kind=tarfile.BLKTYPE),
        E("dev/null", kind=tarfile.CHRTYPE),
        E("run/fifo", kind=tarfile.FIFOTYPE),
    )]
    before = sorted(os.listdir(tmp_path))
    model, contents = _read(docker_save(tmp_path / "image.tar", layers))
    kinds = {f.path: (f.type, f.linkname) for f in model.files}
    assert kinds == {"etc/absolute": ("file", ""), "app/link": ("symlink", str(outside)),
                     "app/hard": ("hardlink", "etc/absolute"), "dev/sda": ("device", ""),
                     "dev/null": ("device", ""), "run/fifo": ("fifo", "")}
    label = model.layers[0].label
    assert model.notes == [
        f"{label}: entry `../../escape.txt` climbs out of the image root; skipped (and 1 more)",
        f"{label}: entry `/etc/absolute` has an absolute path; read relative to the image root"]
    assert contents == {"etc/absolute": b"abs"}
    assert sorted(os.listdir(tmp_path)) == sorted(before + ["image.tar"])


def test_oci_digest_cannot_name_a_path_outside_the_blobs(tmp_path: Path) -> None:
    files = oci_files([layer(E("a", b"x"))])
    index = json.loads(files["index.json"])
    index["manifests"][0]["digest"] = "sha256:../../../../etc/passwd"
    files["index.json"] = json.dumps(index).encode()
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    with pytest.raises(ImageError, match="invalid digest"):
        _open(tmp_path)


def test_decompression_bomb_is_bounded(tmp_path: Path) -> None:
    bomb = layer(E("zeros", b"\0" * 2_000_000), compress="gzip")
    assert len(bomb) < 10_000
    model = _open(docker_save(tmp_path / "image.tar", [bomb]), replace(LIMITS, archive_total_bytes=500_000))
    assert len(model.errors) == 1 and "archive-total-size" in model.errors[0]


def test_member_count_is_bounded(tmp_path: Path) -> None:
    many = layer(*(E(f"f{i}", b"x") for i in range(50)))
    model = _open(docker_save(tmp_path / "image.tar", [many, layer(E("later", b"y"))]),
                  replace(LIMITS, archive_members=20))
    assert len(model.errors) == 1 and "archive-members" in model.errors[0]
    assert len(model.files) == 20 and all(f.layer == 0 for f in model.files)


def test_huge_pax_header_is_not_read_into_memory(tmp_path: Path) -> None:
    header = tarfile.TarInfo("././@PaxHeader")
    header.type = tarfile.XHDTYPE
    header.size = 5 * 1024**3
    hostile = header.tobuf(format=tarfile.GNU_FORMAT) + b"a" * (3 * 1024 * 1024)
    model = _open(docker_save(tmp_path / "image.tar", [hostile]))
    assert len(model.errors) == 1 and "tar header" in model.errors[0]


@pytest.mark.parametrize("limit", ["max_file_bytes", "archive_member_bytes"])
def test_files_over_the_size_limit_are_listed_not_read(tmp_path: Path, limit: str) -> None:
    big = layer(E("big.txt", b"y" * 5000), E("small.txt", b"z"))
    model, contents = _read(docker_save(tmp_path / "image.tar", [big]), replace(LIMITS, **{limit: 2000}))
    assert {f.path: f.size for f in model.files} == {"big.txt": 5000, "small.txt": 1}
    assert list(contents) == ["small.txt"]


@pytest.mark.parametrize(("content", "message"), [
    (b"this is not an archive at all" * 40, "not a readable tar archive"),
    (b"", "not a readable tar archive"),
])
def test_not_an_archive_is_one_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "image.tar"
    path.write_bytes(content)
    with pytest.raises(ImageError, match=message):
        _open(path)


def test_tar_without_image_metadata(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.addfile(tarfile.TarInfo("readme"), io.BytesIO(b""))
    (tmp_path / "plain.tar").write_bytes(buffer.getvalue())
    with pytest.raises(ImageError, match="neither manifest.json"):
        _open(tmp_path / "plain.tar")


def test_invalid_manifest_json(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("[{not json")
    with pytest.raises(ImageError, match="manifest.json` is not valid JSON"):
        _open(tmp_path)


def test_truncated_layer_is_one_error_naming_it(tmp_path: Path) -> None:
    good = layer(E("ok", b"fine"), compress="gzip")
    broken = layer(E("a", b"x" * 50_000), E("b", b"y"), compress="gzip")[:-40]
    model = _open(oci_dir(tmp_path / "layout", [good, broken]))
    assert len(model.errors) == 1
    assert model.errors[0].startswith(model.layers[1].label) and "corrupt layer" in model.errors[0]
    assert any(f.path == "ok" for f in model.files)


def test_altered_layer_is_noted(tmp_path: Path) -> None:
    path = oci_dir(tmp_path / "layout", [layer(E("a", b"x"))])
    blob = next(p for p in (path / "blobs" / "sha256").iterdir() if p.stat().st_size > 1000)
    blob.write_bytes(layer(E("a", b"changed")))
    model = _open(path)
    assert any("does not match its digest" in note for note in model.notes)


def test_config_locations_point_into_the_config(tmp_path: Path) -> None:
    model = _open(docker_save(tmp_path / "image.tar", [layer(E("a", b"x"))], config(user="root")))

    user = dig(model.config, "config", "User")
    assert user is not None
    assert (user.loc.path, user.loc.line) == ("image.tar!config", 1) and user.loc.column > 1


def _shared_layer_archive(path: Path, linkname: str) -> Path:
    files = {"manifest.json": json.dumps([{"Config": "c.json", "RepoTags": None,
                                           "Layers": ["one/layer.tar", "two/layer.tar"]}]).encode(),
             "c.json": json.dumps(config()).encode(), "one/layer.tar": layer(E("a", b"x"))}
    with tarfile.open(path, mode="w") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        link = tarfile.TarInfo("two/layer.tar")
        link.type, link.linkname = tarfile.SYMTYPE, linkname
        tar.addfile(link)
    return path


def test_links_between_archive_members_stay_inside_the_archive(tmp_path: Path) -> None:
    """`docker save` writes a layer shared by two positions once and links to it."""
    model = _open(_shared_layer_archive(tmp_path / "image.tar", "../one/layer.tar"))
    assert [(f.layer, f.path, f.fate) for f in model.files] == [(0, "a", "replaced"), (1, "a", "present")]
    assert model.name == "c"


@pytest.mark.parametrize("linkname", ["../../../etc/passwd", "/etc/passwd"])
def test_a_link_leaving_the_archive_is_a_missing_file(tmp_path: Path, linkname: str) -> None:
    model = _open(_shared_layer_archive(tmp_path / "image.tar", linkname))
    assert model.errors == ["layer-1: `two/layer.tar` is missing from the archive"]


def test_layout_directory_does_not_follow_links_out(tmp_path: Path) -> None:
    root = oci_dir(tmp_path / "layout", [layer(E("a", b"x"))])
    secret = tmp_path / "host-file"
    secret.write_text("{}")
    (root / "index.json").unlink()
    (root / "index.json").symlink_to(secret)
    with pytest.raises(ImageError, match="neither manifest.json"):
        _open(root)


def test_config_the_yaml_reader_rejects_is_still_read() -> None:
    from scanner.image.model import _parse_config

    tree = _parse_config("{ not: [yaml", {"config": {"User": "root", "Env": ["A=1"]}}, "x!config")
    assert dig(tree, "config", "User").value == "root"  # type: ignore[union-attr]
    assert dig(tree, "config", "Env", 0).loc == ("x!config", 1, 1, 0, 0)  # type: ignore[union-attr]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0, max_value=10**6), value=st.integers(min_value=0, max_value=255),
       cut=st.booleans(), save=st.sampled_from([docker_save, oci_tar]))
def test_damaged_archives_never_raise(tmp_path: Path, position: int, value: int, cut: bool,
                                      save: Callable[..., Path]) -> None:
    """A flipped byte or a cut anywhere gives findings, errors or notes, never a traceback."""
    layers = [layer(E("app/.env", b"A=1\n"), compress="gzip"), layer(E("app/.wh..env"), E("b", b"2"))]
    data = bytearray(save(tmp_path / "base.tar", layers).read_bytes())
    position %= len(data)
    if cut:
        del data[position:]
    else:
        data[position] = value
    (tmp_path / "damaged.tar").write_bytes(bytes(data))
    result = scan_archive(tmp_path / "damaged.tar", Config(root=tmp_path))
    assert all(isinstance(e.message, str) for e in result.errors)
    assert not any("stopped early" in e.message for e in result.errors)


@pytest.mark.parametrize("manifest", [
    [{"Config": "c.json", "Layers": "one/layer.tar"}],
    [{"Config": ["c.json"], "Layers": []}],
    {"Config": "c.json"},
    [],
    [{"Config": "c.json", "Layers": [], "RepoTags": 5}],
])
def test_metadata_of_the_wrong_shape_is_one_error(tmp_path: Path, manifest: object) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "c.json").write_text(json.dumps({"rootfs": [], "config": "x"}))
    result = scan_archive(tmp_path, Config(root=tmp_path))
    assert len(result.errors) <= 1 and not any("stopped early" in e.message for e in result.errors)


@pytest.mark.parametrize("index", [
    {"manifests": [{"digest": "sha256:" + "a" * 64, "platform": "linux", "annotations": []}]},
    {"manifests": "nope"},
    [1, 2],
])
def test_oci_index_of_the_wrong_shape_is_one_error(tmp_path: Path, index: object) -> None:
    (tmp_path / "index.json").write_text(json.dumps(index))
    result = scan_archive(tmp_path, Config(root=tmp_path))
    assert len(result.errors) == 1


def test_control_characters_in_names_are_escaped(tmp_path: Path) -> None:
    model = _open(docker_save(tmp_path / "image.tar", [layer(E("app/\x1b[31mred\nx", b"1"))]))
    assert [f.path for f in model.files] == ["app/\\x1b[31mred\\nx"]


def test_every_image_of_a_docker_save_is_read(tmp_path: Path) -> None:
    base = layer(E("etc/os-release", b"ID=debian\n"))
    path = docker_save_many(tmp_path / "images.tar", [
        ("api:1", [base, layer(E("srv/api", b"x"))], config(user="root")),
        ("worker:1", [base, layer(E("srv/worker", b"y"))], config()),
    ])
    with opened(path, "images.tar", LIMITS) as models:
        assert [(m.name, [(f.layer, f.path) for f in m.files]) for m in models] == [
            ("api:1", [(0, "etc/os-release"), (1, "srv/api")]),
            ("worker:1", [(0, "etc/os-release"), (1, "srv/worker")]),
        ]
    result = scan_archive(path, Config(root=tmp_path, select=("IMG004",)))
    assert [f.resource for f in result.findings] == ['image "api:1" config']


def _oci_layout(root: Path, images: list[tuple[str, dict[str, str] | None]]) -> Path:
    """An OCI layout whose index lists one entry per (tag, platform)."""
    manifests = []
    for tag, platform in images:
        files = oci_files([layer(E(f"srv/{tag}", b"x"))], tag=tag)
        (entry,) = json.loads(files.pop("index.json"))["manifests"]
        manifests.append({**entry, **({"platform": platform} if platform else {})})
        for name, data in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": manifests}))
    return root


def test_every_tagged_image_of_an_oci_layout_is_read(tmp_path: Path) -> None:
    with opened(_oci_layout(tmp_path, [("api", None), ("worker", None)]), "layout", LIMITS) as models:
        assert [(m.name, [f.path for f in m.files]) for m in models] == [
            ("api", ["srv/api"]), ("worker", ["srv/worker"])]


def test_one_platform_of_a_multi_platform_index_is_read(tmp_path: Path) -> None:
    layout = _oci_layout(tmp_path, [("arm", {"os": "linux", "architecture": "arm64"}),
                                    ("amd", {"os": "linux", "architecture": "amd64"})])
    with opened(layout, "layout", LIMITS) as models:
        assert [(m.name, [f.path for f in m.files]) for m in models] == [("amd", ["srv/amd"])]
        assert [note.split(";")[0] for note in models[0].notes] == ["the index lists 2 platforms"]
