#!/usr/bin/env bash
# Builds one Go command the tests use (helm, promtool) from the Go module proxy into $OUT_DIR, the
# same way as packages/testenv/scripts/build-binaries.sh: no prebuilt downloads, a throwaway module,
# GOTOOLCHAIN=local. Both tools' go.mod files have no replace directives, so `go get -tool` works.
# Inputs: TOOL (the binary's name), TOOL_PACKAGE (its main package), TOOL_VERSION (a Go module
# version), TOOL_LDFLAGS (extra -ldflags, e.g. the version it prints), OUT_DIR.
set -euo pipefail
: "${TOOL:?}" "${TOOL_PACKAGE:?}" "${TOOL_VERSION:?}" "${OUT_DIR:?}"
. "$(dirname "${BASH_SOURCE[0]}")/../../packages/testenv/scripts/go-build-lib.sh"
go_build_setup "build-$TOOL" "go is required to build $TOOL"
[ -x "$OUT_DIR/$TOOL" ] && { step "$TOOL already in $OUT_DIR"; exit 0; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vmcp-toolbuild.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
go mod init "example.com/${TOOL}bin" >/dev/null 2>&1
step "$TOOL $TOOL_VERSION: resolving modules"
go get -tool "$TOOL_PACKAGE@$TOOL_VERSION" 2>&1 | grep -v '^go: downloading' | tail -n 3 || true
go mod tidy >/dev/null 2>&1 || true
step "$TOOL $TOOL_VERSION: compiling (several minutes cold on 2 cores)"
go build -trimpath -ldflags "-s -w ${TOOL_LDFLAGS:-}" -o "$OUT_DIR/$TOOL.tmp" "$TOOL_PACKAGE"
mv "$OUT_DIR/$TOOL.tmp" "$OUT_DIR/$TOOL"
step "done: $OUT_DIR/$TOOL"
