# Sourced by the scripts that build tools from the Go module proxy into a version-keyed cache
# directory (scripts/build-binaries.sh, deploy/scripts/build-go-tool.sh).
# Usage: go_build_setup <log tag> <what to say when go is missing>
# Requires OUT_DIR; defines step(); leaves the lock on OUT_DIR held (fd 9) until the script exits.
step() { printf '[%s %s] %s\n' "$GO_BUILD_TAG" "$(date +%H:%M:%S)" "$*"; }

go_build_setup() {
  GO_BUILD_TAG=$1
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
  command -v go >/dev/null || { echo "$2" >&2; exit 1; }
  mkdir -p "$OUT_DIR"
  # Two processes (test runs, `testenv up`) must never build into the same directory at once:
  # serialise on a lock next to it; whoever waited finds the binaries already there.
  if command -v flock >/dev/null; then
    exec 9>"$OUT_DIR.lock"
    if ! flock -n 9; then
      step "another build of $OUT_DIR is running (lock $OUT_DIR.lock); waiting for it"
      flock 9
    fi
  else
    step "flock (util-linux) not found: building without a lock"
  fi
}
