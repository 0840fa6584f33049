#!/usr/bin/env python3
"""Writes a Docker image archive in `docker save` format (what `docker load` reads; Docker 20.10
does not load an OCI layout) holding one layer: a static busybox and a few applet links.

usage: mkdockerimage.py BUSYBOX OUT.tar REPO:TAG EPOCH

The archive is byte-for-byte reproducible: every member has mtime EPOCH, owner 0:0 and a fixed
order; the layer's and the config's names are their SHA-256 digests, as docker save writes them.
"""
import hashlib
import io
import json
import sys
import tarfile

APPLETS = ("sh", "echo", "cat", "ls", "true", "uname")


def member(name, epoch, *, kind=tarfile.REGTYPE, mode=0o644, size=0, link=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.size = size
    info.linkname = link
    info.mtime = epoch
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def add_bytes(tar, name, data, epoch, mode=0o644):
    tar.addfile(member(name, epoch, mode=mode, size=len(data)), io.BytesIO(data))


def main(argv):
    if len(argv) != 5:
        sys.exit(__doc__.strip().splitlines()[2])
    busybox_path, out, ref, epoch = argv[1], argv[2], argv[3], int(argv[4])
    repo, _, tag = ref.rpartition(":")
    if not repo or not tag:
        print(f"mkdockerimage.py: {ref}: expected REPO:TAG", file=sys.stderr)
        sys.exit(2)
    with open(busybox_path, "rb") as f:
        busybox = f.read()

    # The layer: a plain tar of the container's root file system.
    layer_buf = io.BytesIO()
    with tarfile.open(fileobj=layer_buf, mode="w", format=tarfile.USTAR_FORMAT) as layer:
        for d in ("bin/", "dev/", "etc/", "proc/", "sys/", "tmp/"):
            layer.addfile(member(d, epoch, kind=tarfile.DIRTYPE, mode=0o1777 if d == "tmp/" else 0o755))
        layer.addfile(member("bin/busybox", epoch, mode=0o755, size=len(busybox)), io.BytesIO(busybox))
        for applet in APPLETS:
            layer.addfile(member("bin/" + applet, epoch, kind=tarfile.SYMTYPE, mode=0o777, link="busybox"))
    layer_tar = layer_buf.getvalue()
    diff_id = "sha256:" + hashlib.sha256(layer_tar).hexdigest()
    created = "2024-01-01T00:00:00Z"

    config = {
        "architecture": "arm64",
        "os": "linux",
        "created": created,
        "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": created, "created_by": "socemu tools/assets/rpi3-docker/mkdockerimage.py"}],
    }
    config_json = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    config_name = hashlib.sha256(config_json).hexdigest() + ".json"
    # The legacy per-layer directory is named by a v1 id; any stable digest does.
    layer_id = hashlib.sha256(diff_id.encode()).hexdigest()
    layer_json = json.dumps({"id": layer_id, "created": created, "os": "linux", "architecture": "arm64"},
                            sort_keys=True, separators=(",", ":")).encode()
    manifest = [{"Config": config_name, "RepoTags": [ref], "Layers": [layer_id + "/layer.tar"]}]

    with tarfile.open(out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        tar.addfile(member(layer_id + "/", epoch, kind=tarfile.DIRTYPE, mode=0o755))
        add_bytes(tar, layer_id + "/VERSION", b"1.0", epoch)
        add_bytes(tar, layer_id + "/json", layer_json, epoch)
        add_bytes(tar, layer_id + "/layer.tar", layer_tar, epoch)
        add_bytes(tar, config_name, config_json, epoch)
        add_bytes(tar, "manifest.json", json.dumps(manifest, separators=(",", ":")).encode(), epoch)
        add_bytes(tar, "repositories", json.dumps({repo: {tag: layer_id}}, separators=(",", ":")).encode(), epoch)


if __name__ == "__main__":
    main(sys.argv)
