#!/usr/bin/env bash
# The packages stay small: the npm tarball and the wheel built in dist/ must each be under 2 MB (2,000,000 bytes),
# and the tarball carries no dependency tree (the preflight command is one bundled file, lib/cli/main.js).
# Usage: test/package-size.sh [DIST_DIR] (default: dist).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dist=${1:-$root/dist}
limit=2000000

shopt -s nullglob
tarballs=("$dist"/js/*.tgz)
wheels=("$dist"/python/*.whl)
if [ ${#tarballs[@]} -eq 0 ] || [ ${#wheels[@]} -eq 0 ]; then
  echo "no npm tarball or wheel in $dist: run 'npx projen compile && npx projen package:bindings' first" >&2
  exit 1
fi

failed=0
for file in "${tarballs[@]}" "${wheels[@]}"; do
  size=$(stat -c %s "$file")
  if [ "$size" -ge "$limit" ]; then
    echo "$(basename "$file") is $size bytes, over the limit of $limit" >&2
    failed=1
  else
    echo "$(basename "$file"): $size bytes (limit $limit)"
  fi
done

for tarball in "${tarballs[@]}"; do
  listing=$(tar -tzf "$tarball")
  if grep -q '^package/node_modules/' <<<"$listing"; then
    echo "$(basename "$tarball") carries a dependency tree (package/node_modules):" >&2
    grep '^package/node_modules/' <<<"$listing" | cut -d/ -f3-4 | sort -u | head -20 >&2
    failed=1
  fi
  if ! grep -qx 'package/lib/cli/main.js' <<<"$listing" || grep -q '^package/lib/cli/.*\.js$' <<<"$(grep -vx 'package/lib/cli/main.js' <<<"$listing")"; then
    echo "$(basename "$tarball") must carry the command as one file, lib/cli/main.js:" >&2
    grep '^package/lib/cli/' <<<"$listing" >&2 || true
    failed=1
  fi
done
exit $failed
