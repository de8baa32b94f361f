#!/usr/bin/env bash
# Builds Prometheus's promtool from the Go module proxy into $OUT_DIR (same approach as
# build-helm.sh: a throwaway module, GOTOOLCHAIN=local, no prebuilt downloads). The Prometheus
# module publishes v3.x as Go module versions v0.3xx (v0.316.0 is Prometheus 3.16.0).
# Inputs: PROMTOOL_VERSION (a Go module version, e.g. v0.316.0), PROMETHEUS_VERSION (what
# `promtool --version` prints, e.g. 3.16.0), OUT_DIR.
set -euo pipefail
: "${PROMTOOL_VERSION:?}" "${PROMETHEUS_VERSION:?}" "${OUT_DIR:?}"
. "$(dirname "${BASH_SOURCE[0]}")/../../packages/testenv/scripts/go-build-lib.sh"
go_build_setup build-promtool "go is required to build promtool"
[ -x "$OUT_DIR/promtool" ] && { step "promtool already in $OUT_DIR"; exit 0; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vmcp-promtoolbuild.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
go mod init example.com/promtoolbin >/dev/null 2>&1
step "promtool $PROMTOOL_VERSION: resolving modules"
go get -tool "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION" 2>&1 | grep -v '^go: downloading' | tail -n 3 || true
step "promtool $PROMTOOL_VERSION: compiling (5-25 min cold on 2 cores, depending on load)"
ld="-s -w -X github.com/prometheus/common/version.Version=$PROMETHEUS_VERSION"
go build -trimpath -ldflags "$ld" -o "$OUT_DIR/promtool.tmp" github.com/prometheus/prometheus/cmd/promtool
mv "$OUT_DIR/promtool.tmp" "$OUT_DIR/promtool"
step "done: $OUT_DIR/promtool"
