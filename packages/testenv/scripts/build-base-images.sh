#!/usr/bin/env bash
# Assembles the two local base images the project's Dockerfiles build FROM when no registry is
# reachable, from the npm registry's Node binary and Debian packages (apt-get download, unpacked
# with dpkg-deb, never installed):
#   localhost/node-build:24       build stage: node + npm + busybox (a shell for RUN) + the host's CA bundle
#   localhost/node-distroless:24  runtime stage: /nodejs/bin/node + its libraries, no shell, like distroless
# Usage: build-base-images.sh OUT_DIR NODE_BINARY NPM_PACKAGE_DIR DEBS_DIR
set -euo pipefail
out=$1 node=$2 npm=$3 debs=$4
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
step() { printf '[base-images %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
mkdir -p "$out" "$debs"
PKGS=(libc6 libstdc++6 libgcc-s1 busybox-static)
missing=()
for p in "${PKGS[@]}"; do compgen -G "$debs/${p}_*.deb" >/dev/null || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  step "downloading ${missing[*]} (.deb, not installed)"
  (cd "$debs" && apt-get download "${missing[@]}" >/dev/null)
fi
w=$(mktemp -d "${TMPDIR:-/tmp}/vmcp-base.XXXXXX"); trap 'rm -rf "$w"' EXIT
for p in "${PKGS[@]}"; do dpkg-deb -x "$debs/${p}_"*.deb "$w/x"; done

# The runtime base: node and exactly the shared libraries it links, users root/1000/65532, /tmp.
R=$w/runtime
mkdir -p "$R/nodejs/bin" "$R/lib/x86_64-linux-gnu" "$R/lib64" "$R/etc/ssl/certs" "$R/tmp"
chmod 1777 "$R/tmp"
cp "$node" "$R/nodejs/bin/node"
for l in $(ldd "$node" | awk '/=>/{print $1}'); do
  f=$(find "$w/x" -name "$l" | head -1); [ -n "$f" ] || { echo "no $l in the .debs" >&2; exit 1; }
  cp -L "$f" "$R/lib/x86_64-linux-gnu/$l"
done
cp -L "$(find "$w/x" -name ld-linux-x86-64.so.2 | head -1)" "$R/lib64/"
cp /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000::/tmp:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n' > "$R/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\nnonroot:x:65532:\n' > "$R/etc/group"
ENV='["PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin","SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"]'
bash "$here/mkoci.sh" localhost/node-distroless:24 "$R" "$out/node-distroless.tar" '["/nodejs/bin/node"]' "$ENV"
step "node-distroless: $(du -h "$out/node-distroless.tar" | cut -f1)"

# The build base: the same plus a shell and npm (the Dockerfiles run `npm install -g pnpm`).
B=$w/build
cp -a "$R" "$B"
mkdir -p "$B/bin" "$B/usr/bin" "$B/usr/sbin" "$B/sbin" "$B/usr/local/bin" "$B/usr/local/lib/node_modules"
cp "$w/x/bin/busybox" "$B/bin/busybox"
for a in $("$B/bin/busybox" --list-full); do [ -e "$B/$a" ] || ln -s /bin/busybox "$B/$a"; done
cp -a "$npm" "$B/usr/local/lib/node_modules/npm"
ln -s /nodejs/bin/node "$B/usr/local/bin/node"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$B/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$B/usr/local/bin/npx"
ENV='["PATH=/usr/local/bin:/nodejs/bin:/usr/bin:/bin:/usr/sbin:/sbin","NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt","SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"]'
bash "$here/mkoci.sh" localhost/node-build:24 "$B" "$out/node-build.tar" '["/bin/sh"]' "$ENV"
step "node-build: $(du -h "$out/node-build.tar" | cut -f1)"
