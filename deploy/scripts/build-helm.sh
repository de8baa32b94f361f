#!/usr/bin/env bash
# Builds the helm CLI from the Go module proxy into $OUT_DIR (same approach and shared setup as
# packages/testenv/scripts/build-binaries.sh: no prebuilt downloads, a throwaway module,
# GOTOOLCHAIN=local). helm's go.mod has no replace directives, so a plain `go get -tool` works.
# Inputs: HELM_VERSION (e.g. v3.22.0), OUT_DIR.
set -euo pipefail
: "${HELM_VERSION:?}" "${OUT_DIR:?}"
. "$(dirname "${BASH_SOURCE[0]}")/../../packages/testenv/scripts/go-build-lib.sh"
go_build_setup build-helm "go is required to build helm"
[ -x "$OUT_DIR/helm" ] && { step "helm already in $OUT_DIR"; exit 0; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vmcp-helmbuild.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
go mod init example.com/helmbin >/dev/null 2>&1
step "helm $HELM_VERSION: resolving modules"
go get -tool "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" 2>&1 | grep -v '^go: downloading' | tail -n 3 || true
go mod tidy >/dev/null 2>&1 || true
step "helm $HELM_VERSION: compiling (3-10 min cold on 2 cores)"
# Without a cluster to ask, this helm assumes Kubernetes v1.20 for .Capabilities: callers pass
# --kube-version (e2e/harness/chart.ts does).
ld="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
go build -trimpath -ldflags "$ld" -o "$OUT_DIR/helm.tmp" helm.sh/helm/v3/cmd/helm
mv "$OUT_DIR/helm.tmp" "$OUT_DIR/helm"
step "done: $OUT_DIR/helm"
