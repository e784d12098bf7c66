#!/usr/bin/env bash
# Runs a command (npm test's steps) with TMPDIR set to a new folder of the system's temporary folder, then fails
# when the command left anything in it, listing what: a test that writes to os.tmpdir() (an App synthesized
# without an outdir, a mkdtemp) must remove what it made. The folder is removed either way, so a run leaves
# nothing in the system's temporary folder.
set -uo pipefail
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/cdk-imagebuilder-distribution-test.XXXXXX")
# ts-node's compile cache (v8-compile-cache-lib) lives with the dependencies, not in the temporary folder.
export V8_COMPILE_CACHE_CACHE_DIR="$(cd "$(dirname "$0")/.." && pwd)/node_modules/.cache/v8-compile-cache"
# Node 22's module compile cache (npm 11 turns it on) defaults to os.tmpdir()/node-compile-cache: with the dependencies too.
export NODE_COMPILE_CACHE="$(cd "$(dirname "$0")/.." && pwd)/node_modules/.cache/node-compile-cache"
trap 'rm -rf "$run_tmp"' EXIT

TMPDIR="$run_tmp" "$@"
rc=$?

left=$(find "$run_tmp" -mindepth 1 -maxdepth 1 | sort)
if [ -n "$left" ]; then
  echo "The run left $(echo "$left" | wc -l) entries in its temporary folder (they would stay in the system's):" >&2
  echo "$left" | sed "s|^$run_tmp/|  |" | head -20 >&2
  [ "$rc" -ne 0 ] || rc=1
fi
exit "$rc"
