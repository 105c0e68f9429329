#!/usr/bin/env python3
"""Packs one layer tar into an OCI image archive (an OCI image layout in a tar: oci-layout,
index.json, blobs/sha256/...), the format `ctr images import`, `kind load image-archive`,
`docker load` and skopeo read, without any daemon. The layer is gzip-compressed with a zero
mtime, so the same layer tar gives the same blob.

Prints the manifest digest (sha256:...), which is the image's digest in any registry it is
copied to unchanged (`skopeo copy oci-archive:out.tar docker://REGISTRY/NAME`), and writes it to
--digest-file when given.

usage: mkimage.py --layer L.tar --tag repo/name:tag -o out.tar [--digest-file F]
                  [--entrypoint JSON] [--cmd JSON] [--user U] [--env K=V]... [--workdir D]
                  [--label K=V]...
"""
import argparse, gzip, hashlib, io, json, os, shutil, tarfile, tempfile, time

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def full_name(tag):
    """docker.io/library/x:tag style: the name containerd stores (and a pod spec resolves)."""
    first = tag.split("/", 1)[0]
    if "/" not in tag:
        return "docker.io/library/" + tag
    if "." in first or ":" in first or first == "localhost":
        return tag
    return "docker.io/" + tag


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layer", required=True)
    ap.add_argument("--tag", required=True)
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--digest-file")
    ap.add_argument("--entrypoint", default="[]")
    ap.add_argument("--cmd", default="[]")
    ap.add_argument("--user", default="")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--workdir", default="/")
    ap.add_argument("--label", action="append", default=[])
    a = ap.parse_args()

    diff_id = "sha256:" + sha256_file(a.layer)
    work = tempfile.mkdtemp(dir=os.path.dirname(os.path.abspath(a.out)))
    try:
        gz = os.path.join(work, "layer.tar.gz")
        with open(a.layer, "rb") as src, open(gz, "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0, filename="") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        layer_digest = sha256_file(gz)
        layer_size = os.path.getsize(gz)

        env = a.env if any(e.startswith("PATH=") for e in a.env) else [DEFAULT_PATH] + a.env
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
        cfg_digest = hashlib.sha256(cfg).hexdigest()
        m = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": "sha256:" + cfg_digest, "size": len(cfg)},
            "layers": [
                {"mediaType": OCI_LAYER_GZIP, "digest": "sha256:" + layer_digest, "size": layer_size}
            ],
        }
        manifest = json.dumps(m, sort_keys=True).encode()
        man_digest = hashlib.sha256(manifest).hexdigest()
        name = full_name(a.tag)
        index = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": [
                    {
                        "mediaType": OCI_MANIFEST,
                        "digest": "sha256:" + man_digest,
                        "size": len(manifest),
                        "platform": {"architecture": "amd64", "os": "linux"},
                        "annotations": {
                            # containerd names the imported image after this one.
                            "io.containerd.image.name": name,
                            "org.opencontainers.image.ref.name": a.tag.rsplit(":", 1)[-1],
                        },
                    }
                ],
            },
            sort_keys=True,
        ).encode()

        def add_bytes(tf, arcname, data):
            ti = tarfile.TarInfo(arcname)
            ti.size = len(data)
            ti.mtime = 0
            tf.addfile(ti, io.BytesIO(data))

        with tarfile.open(a.out, "w") as tf:
            add_bytes(tf, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
            add_bytes(tf, "blobs/sha256/" + cfg_digest, cfg)
            add_bytes(tf, "blobs/sha256/" + man_digest, manifest)
            tf.add(gz, arcname="blobs/sha256/" + layer_digest)
            add_bytes(tf, "index.json", index)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print("sha256:" + man_digest)
    if a.digest_file:
        with open(a.digest_file, "w") as f:
            f.write("sha256:" + man_digest + "\n")


if __name__ == "__main__":
    main()
