#!/usr/bin/env bash
# Fails when API.md or API.python.md differs from what jsii-docgen generates from the built assembly (.jsii).
# Generates into a temporary folder, so the check never rewrites the tracked files; `npx projen docgen` does.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
jsii-docgen -o "$out/API.md"
jsii-docgen -l python -o "$out/API.python.md"
status=0
for file in API.md API.python.md; do
  if ! diff -u "$file" "$out/$file" > "$out/$file.diff"; then
    echo "$file is out of date: run 'npx projen docgen' and commit it. Difference:" >&2
    head -n 40 "$out/$file.diff" >&2
    status=1
  fi
done
exit $status
