#!/usr/bin/env bash
# Builds what a real node runs, from Go modules, into $OUT_DIR: kubelet, kube-controller-manager,
# kube-scheduler, kube-proxy (k8s.io/kubernetes), containerd + containerd-shim-runc-v2 + ctr, the CNI
# plugins bridge/host-local/loopback/portmap, and a 7-plugin CoreDNS. Same throwaway-module pattern as
# build-binaries.sh (one module per upstream project so MVS never mixes their dependencies).
# Inputs (from versions.json, through the caller): K8S_VERSION, CONTAINERD_VERSION, CNI_VERSION,
# COREDNS_VERSION, OUT_DIR. About 8-10 min on 2 cores with a warm module cache, once.
set -euo pipefail
: "${K8S_VERSION:?}" "${CONTAINERD_VERSION:?}" "${CNI_VERSION:?}" "${COREDNS_VERSION:?}" "${OUT_DIR:?}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/go-build-lib.sh"
go_build_setup node-build "go is required to build the node binaries"

work=$(mktemp -d "${TMPDIR:-/tmp}/vmcp-nodebuild.XXXXXX")
trap 'rm -rf "$work"' EXIT
have() { for b in "$@"; do [ -x "$OUT_DIR/$b" ] || return 1; done; }
# Build into a partial dir next to the destination, then rename: never a half-written binary.
install_from() { local d=$1; shift; for b in "$@"; do mv "$d/$b" "$OUT_DIR/$b"; done; rm -rf "$d"; }

minor=$(echo "$K8S_VERSION" | cut -d. -f2)
staging="v0.${K8S_VERSION#v1.}"
K8S_BINS=(kubelet kube-controller-manager kube-scheduler kube-proxy)
if ! have "${K8S_BINS[@]}"; then
  step "kubernetes $K8S_VERSION: resolving modules"
  mkdir "$work/k8s" && cd "$work/k8s"
  go mod init example.com/k8snode >/dev/null 2>&1
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  go mod edit -go="$(awk '$1=="go"{print $2; exit}' "$gomod")"
  godebug=$(awk '$1=="godebug"{print $2; exit}' "$gomod")
  [ -n "$godebug" ] && go mod edit -godebug="$godebug"
  { awk '$1 ~ /^k8s\.io\// && $2=="v0.0.0" {print $1}' "$gomod"
    grep -oE '^\s*k8s\.io/[^ ]+ => \./staging' "$gomod" | awk '{print $1}'
  } | sort -u | while read -r m; do go mod edit -replace="$m=$m@$staging"; done
  go mod edit -require="k8s.io/kubernetes@$K8S_VERSION"
  for b in "${K8S_BINS[@]}"; do go mod edit -tool="k8s.io/kubernetes/cmd/$b"; done
  go mod tidy 2>&1 | grep -v '^go: downloading' | tail -n 5 || true
  P=k8s.io/component-base/version
  ld="-s -w -X $P.gitVersion=$K8S_VERSION -X $P.gitMajor=1 -X $P.gitMinor=$minor -X $P.gitTreeState=clean -X $P.buildDate=1970-01-01T00:00:00Z"
  step "kubernetes $K8S_VERSION: compiling ${K8S_BINS[*]} (5-7 min cold on 2 cores)"
  rm -rf "$OUT_DIR/.partial-k8s" && mkdir -p "$OUT_DIR/.partial-k8s"
  go build -trimpath -ldflags "$ld" -o "$OUT_DIR/.partial-k8s/" $(printf 'k8s.io/kubernetes/cmd/%s ' "${K8S_BINS[@]}")
  install_from "$OUT_DIR/.partial-k8s" "${K8S_BINS[@]}"
fi

CTRD_BINS=(containerd containerd-shim-runc-v2 ctr)
if ! have "${CTRD_BINS[@]}"; then
  step "containerd $CONTAINERD_VERSION: resolving modules and compiling (2-3 min cold)"
  mkdir "$work/ctrd" && cd "$work/ctrd"
  go mod init example.com/ctrd >/dev/null 2>&1
  for b in "${CTRD_BINS[@]}"; do go get -tool "github.com/containerd/containerd/v2/cmd/$b@$CONTAINERD_VERSION" 2>&1 | tail -n 3; done
  go mod tidy >/dev/null 2>&1 || true
  rm -rf "$OUT_DIR/.partial-ctrd" && mkdir -p "$OUT_DIR/.partial-ctrd"
  go build -trimpath -tags "no_btrfs no_devmapper no_zfs" -ldflags "-s -w" -o "$OUT_DIR/.partial-ctrd/" \
    $(printf 'github.com/containerd/containerd/v2/cmd/%s ' "${CTRD_BINS[@]}")
  install_from "$OUT_DIR/.partial-ctrd" "${CTRD_BINS[@]}"
fi

CNI_BINS=(bridge host-local loopback portmap)
if ! have "${CNI_BINS[@]}"; then
  step "CNI plugins $CNI_VERSION: compiling"
  mkdir "$work/cni" && cd "$work/cni"
  go mod init example.com/cni >/dev/null 2>&1
  go get "github.com/containernetworking/plugins@$CNI_VERSION" 2>&1 | tail -n 2
  rm -rf "$OUT_DIR/.partial-cni" && mkdir -p "$OUT_DIR/.partial-cni"
  go build -trimpath -ldflags "-s -w" -o "$OUT_DIR/.partial-cni/" \
    github.com/containernetworking/plugins/plugins/main/bridge github.com/containernetworking/plugins/plugins/main/loopback \
    github.com/containernetworking/plugins/plugins/ipam/host-local github.com/containernetworking/plugins/plugins/meta/portmap
  install_from "$OUT_DIR/.partial-cni" "${CNI_BINS[@]}"
fi

if ! have coredns; then
  step "CoreDNS $COREDNS_VERSION: resolving modules and compiling (about 2 min cold)"
  mkdir "$work/coredns" && cd "$work/coredns"
  cp "$here/coredns/main.go" main.go
  go mod init example.com/coredns >/dev/null 2>&1
  go get "github.com/coredns/coredns@$COREDNS_VERSION" 2>&1 | tail -n 2
  go mod tidy >/dev/null 2>&1
  go build -trimpath -ldflags "-s -w" -o "$OUT_DIR/coredns.tmp" .
  mv "$OUT_DIR/coredns.tmp" "$OUT_DIR/coredns"
fi
step "done: $(ls "$OUT_DIR" | tr '\n' ' ')in $OUT_DIR"
