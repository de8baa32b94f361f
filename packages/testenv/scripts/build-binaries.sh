#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kubectl from Go modules into $OUT_DIR.
# Official envtest downloads are unreachable on the project's machines, so we build
# from the Go module proxy in throwaway modules (one per upstream project, so MVS cannot
# raise kube-apiserver's dependencies to etcd's). Inputs come from packages/testenv/versions.json
# through the caller: K8S_VERSION (e.g. v1.36.3), ETCD_VERSION (e.g. v3.6.16), OUT_DIR.
set -euo pipefail
: "${K8S_VERSION:?}" "${ETCD_VERSION:?}" "${OUT_DIR:?}"
. "$(dirname "${BASH_SOURCE[0]}")/go-build-lib.sh"
go_build_setup build "go is required to build the control-plane binaries (or set KUBEBUILDER_ASSETS)"

work=$(mktemp -d "${TMPDIR:-/tmp}/vmcp-k8sbuild.XXXXXX")
trap 'rm -rf "$work"' EXIT

# go build with progress: `go build -v` names each package as it compiles; print a count every
# 100 packages (of the dependency total) so a long cold compile visibly advances. Other lines
# (compiler errors) pass through. Cached packages are not compiled again, so warm runs stay quiet.
# Usage: gobuild <output> <ldflags> <package>...
gobuild() {
  local out=$1 ld=$2 total n=0 line
  shift 2
  total=$(go list -deps "$@" 2>/dev/null | wc -l || true)
  go build -v -trimpath -ldflags "$ld" -o "$out" "$@" 2>&1 | while IFS= read -r line; do
    if [[ $line =~ ^[A-Za-z0-9._/~+-]+$ ]]; then
      n=$((n + 1))
      if ((n % 100 == 0)); then step "  compiled $n packages (of at most ~$total)"; fi
    else
      printf '%s\n' "$line"
    fi
  done
}

minor=$(echo "$K8S_VERSION" | cut -d. -f2)
staging="v0.${K8S_VERSION#v1.}"

if [ ! -x "$OUT_DIR/etcd" ]; then
  step "etcd $ETCD_VERSION: resolving modules"
  mkdir "$work/etcd" && cd "$work/etcd"
  go mod init example.com/etcdbin >/dev/null 2>&1
  go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION" 2>&1 | tail -n 3
  go mod tidy >/dev/null
  step "etcd $ETCD_VERSION: compiling (1-3 min cold)"
  gobuild "$OUT_DIR/etcd.tmp" "-s -w" go.etcd.io/etcd/server/v3
  mv "$OUT_DIR/etcd.tmp" "$OUT_DIR/etcd"
fi

if [ ! -x "$OUT_DIR/kube-apiserver" ] || [ ! -x "$OUT_DIR/kubectl" ]; then
  step "kubernetes $K8S_VERSION: resolving modules (downloads ~1 GB the first time)"
  mkdir "$work/k8s" && cd "$work/k8s"
  go mod init example.com/k8sbins >/dev/null 2>&1
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  # Copy the upstream go and godebug lines so the binary keeps upstream's GODEBUG defaults.
  gov=$(awk '$1=="go"{print $2; exit}' "$gomod")
  go mod edit -go="$gov"
  godebug=$(awk '$1=="godebug"{print $2; exit}' "$gomod")
  [ -n "$godebug" ] && go mod edit -godebug="$godebug"
  # The published go.mod requires staging modules at v0.0.0 and points them at ./staging:
  # replace every one with its published tag (pitfall "unknown revision v0.0.0").
  { awk '$1 ~ /^k8s\.io\// && $2=="v0.0.0" {print $1}' "$gomod"
    grep -oE '^\s*k8s\.io/[^ ]+ => \./staging' "$gomod" | awk '{print $1}'
  } | sort -u | while read -r m; do go mod edit -replace="$m=$m@$staging"; done
  go mod edit -require="k8s.io/kubernetes@$K8S_VERSION"
  go mod edit -tool=k8s.io/kubernetes/cmd/kube-apiserver -tool=k8s.io/kubernetes/cmd/kubectl
  go mod tidy 2>&1 | grep -v '^go: downloading' | tail -n 5 || true
  P=k8s.io/component-base/version
  ld="-s -w -X $P.gitVersion=$K8S_VERSION -X $P.gitMajor=1 -X $P.gitMinor=$minor -X $P.gitTreeState=clean -X $P.buildDate=1970-01-01T00:00:00Z"
  step "kubernetes $K8S_VERSION: compiling kube-apiserver and kubectl (about 4-8 min cold on 2 cores)"
  # Build next to the destination so the final mv is an atomic rename: a test process checking the
  # cache without the lock never sees a half-copied binary.
  rm -rf "$OUT_DIR/.partial" && mkdir -p "$OUT_DIR/.partial"
  gobuild "$OUT_DIR/.partial/" "$ld" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
  mv "$OUT_DIR/.partial/kubectl" "$OUT_DIR/.partial/kube-apiserver" "$OUT_DIR/"
  rmdir "$OUT_DIR/.partial"
fi
step "done: $(ls "$OUT_DIR" | tr '\n' ' ')in $OUT_DIR"
