#!/usr/bin/env bash
# mkoci.sh REF ROOTFS_DIR OUT.tar ENTRYPOINT_JSON [ENV_JSON]
# Packs ROOTFS_DIR as one uncompressed layer into an OCI image-layout tarball that
# `ctr -n k8s.io images import` and `buildah pull oci-archive:` accept; the image is named by the
# io.containerd.image.name annotation. Reproducible: sorted entries, uid/gid 0, mtime 0.
set -euo pipefail
ref=$1 root=$2 out=$3 ep=$4 env=${5:-'["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]'}
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT; mkdir -p "$w/blobs/sha256"
tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$root" -cf "$w/layer.tar" .
put() { local d; d=$(sha256sum "$1" | cut -d' ' -f1); mv "$1" "$w/blobs/sha256/$d"; echo "$d"; }
lsz=$(stat -c %s "$w/layer.tar"); ld=$(put "$w/layer.tar")
printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":%s,"Env":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"mkoci.sh"}]}' "$ep" "$env" "$ld" > "$w/config.json"
csz=$(stat -c %s "$w/config.json"); cd_=$(put "$w/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' "$cd_" "$csz" "$ld" "$lsz" > "$w/manifest.json"
msz=$(stat -c %s "$w/manifest.json"); md=$(put "$w/manifest.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' "$md" "$msz" "$ref" "${ref##*:}" > "$w/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$w/oci-layout"
tar -C "$w" -cf "$out.tmp" oci-layout index.json blobs && mv "$out.tmp" "$out"
