#!/usr/bin/env python3
"""Packs one layer tar into a docker-archive (the format `ctr images import`
reads) without any daemon: manifest.json + image config + the layer.

usage: mkimage.py --layer L.tar --tag repo/name:tag -o out.tar
                  [--entrypoint JSON] [--cmd JSON] [--user U] [--env K=V]... [--workdir D]
"""
import argparse, hashlib, io, json, tarfile, time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layer", required=True)
    ap.add_argument("--tag", required=True)
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--entrypoint", default="[]")
    ap.add_argument("--cmd", default="[]")
    ap.add_argument("--user", default="")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--workdir", default="/")
    ap.add_argument("--label", action="append", default=[])
    a = ap.parse_args()

    h = hashlib.sha256()
    with open(a.layer, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    diff_id = "sha256:" + h.hexdigest()
    env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] + a.env
    labels = dict(l.split("=", 1) for l in a.label)
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "config": {
            "Entrypoint": json.loads(a.entrypoint) or None,
            "Cmd": json.loads(a.cmd) or None,
            "User": a.user,
            "Env": env,
            "WorkingDir": a.workdir,
            "Labels": labels or None,
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": "stowage e2e/images (debootstrap + tar, no daemon)"}],
    }
    cfg = json.dumps(config, sort_keys=True).encode()
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    layer_name = h.hexdigest() + "/layer.tar"
    manifest = json.dumps([{"Config": cfg_name, "RepoTags": [a.tag], "Layers": [layer_name]}]).encode()

    def add_bytes(tf, name, data):
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        ti.mtime = int(time.time())
        tf.addfile(ti, io.BytesIO(data))

    with tarfile.open(a.out, "w") as tf:
        add_bytes(tf, cfg_name, cfg)
        tf.add(a.layer, arcname=layer_name)
        add_bytes(tf, "manifest.json", manifest)


if __name__ == "__main__":
    main()
