#!/usr/bin/env bash
# A release rehearsed, nothing published: in a temporary clone of the checked-out commit, a releasable commit
# (a feature), then the release task's own steps as `npx projen release` runs them, less `test` (npm test is what
# runs this): bump, synth, compile, docgen, every package (npm, PyPI, and Go when configured), unbump. Then every
# artifact must carry the bumped version, the release notes must name it, CHANGELOG.md must record it, and the clone
# must be as the release task leaves it (unbumped, no tracked file changed). The clone uses this clone's
# node_modules (nothing is installed).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
clone="$work/clone"

fail() { echo "release dry run: $*" >&2; exit 1; }

git clone --quiet --no-checkout "$root" "$clone"
git -C "$clone" checkout --quiet --detach "$(git -C "$root" rev-parse HEAD)"
ln -s "$root/node_modules" "$clone/node_modules"
cd "$clone"
git -c user.name=release-dry-run -c user.email=release-dry-run@example.invalid \
  commit --quiet --allow-empty -m "feat: release dry run"
before=$(node -p "require('./package.json').version")

# The release task's environment and steps (.projen/tasks.json), less the test step.
steps=$(node -e '
const t = require("./.projen/tasks.json").tasks;
const names = (t.release.steps || []).filter(s => s.spawn).map(s => s.spawn);
const build = (t.build.steps || []).filter(s => s.spawn).map(s => s.spawn);
console.log(JSON.stringify({ env: t.release.env || {}, names, build }));
')
node -e '
const { names, build } = JSON.parse(process.argv[1]);
if (names.join(",") !== "bump,build,unbump") { console.error("release task steps changed: " + names); process.exit(1); }
if (build.join(",") !== "default,pre-compile,compile,post-compile,test,package") { console.error("build task steps changed: " + build); process.exit(1); }
' "$steps" || fail "the release or build task is not the one this rehearsal follows: update test/release/dry-run.sh"
while IFS='=' read -r key value; do export "$key=$value"; done < <(node -e '
const { env } = JSON.parse(process.argv[1]);
for (const [k, v] of Object.entries(env)) console.log(`${k}=${v}`);
' "$steps")

run() { echo "----- npx projen $1"; npx projen "$1"; }
rm -rf dist
run bump
version=$(cat dist/version.txt)
[ -n "$version" ] && [ "$version" != "$before" ] || fail "bump left the version at '$version' (before: $before)"
[ "$(node -p "require('./package.json').version")" = "$version" ] || fail "bump did not write $version into package.json"
run default
run pre-compile
run compile
# The translations of the examples jsii-rosetta made in the checkout under test (npm test runs test:rosetta before
# this), beside the assembly as in a release (whose test step writes them before its package step): jsii-docgen
# reuses each one whose source and types are unchanged (rosetta checks both) instead of compiling the example again,
# with the same result. Without them (the rehearsal run on its own) docgen compiles every example.
if [ -f "$root/.jsii.tabl.json" ]; then
  cp "$root/.jsii.tabl.json" .jsii.tabl.json
fi
run post-compile
# The build task's package step (the release workflow packages each registry in its own job: package-all here).
run package-all
echo "----- record the release in CHANGELOG.md"
node projenrc/record-release.js dist/changelog.md dist/version.txt

echo "----- artifacts of $version"
tarball="dist/js/cdk-imagebuilder-distribution@$version.jsii.tgz"
[ -f "$tarball" ] || fail "no $tarball: $(ls dist/js)"
[ "$(tar -xzOf "$tarball" package/package.json | node -p 'JSON.parse(require("fs").readFileSync(0)).version')" = "$version" ] \
  || fail "$tarball: package.json is not version $version"
[ "$(tar -xzOf "$tarball" package/.jsii | node -p 'JSON.parse(require("fs").readFileSync(0)).version')" = "$version" ] \
  || fail "$tarball: the jsii assembly is not version $version"
wheel="dist/python/cdk_imagebuilder_distribution-$version-py3-none-any.whl"
[ -f "$wheel" ] || fail "no $wheel: $(ls dist/python)"
python3 - "$wheel" "$version" <<'EOF' || fail "$wheel does not carry version $version"
import sys, zipfile
wheel, version = sys.argv[1], sys.argv[2]
names = zipfile.ZipFile(wheel).namelist()
metadata = zipfile.ZipFile(wheel).read(f"cdk_imagebuilder_distribution-{version}.dist-info/METADATA").decode()
assert f"\nVersion: {version}\n" in metadata, "METADATA"
assert f"cdk_imagebuilder_distribution/_jsii/cdk-imagebuilder-distribution@{version}.jsii.tgz" in names, "embedded tarball"
EOF
[ -f "dist/python/cdk_imagebuilder_distribution-$version.tar.gz" ] || fail "no source distribution of $version: $(ls dist/python)"
checked="npm tarball, wheel, sdist"
if node -e 'process.exit(require("./package.json").jsii.targets.go ? 0 : 1)'; then
  go_versions=$(find dist/go -name version -type f)
  [ -n "$go_versions" ] || fail "the Go target is configured but dist/go has no module"
  for f in $go_versions; do
    [ "$(cat "$f")" = "$version" ] || fail "$f says $(cat "$f"), not $version"
  done
  checked="$checked, Go module"
fi
[ "$(cat dist/releasetag.txt)" = "v$version" ] || fail "release tag $(cat dist/releasetag.txt), not v$version"
grep -q "$version" dist/changelog.md || fail "the release notes (dist/changelog.md) do not name $version"
grep -q "release dry run" dist/changelog.md || fail "the release notes do not list the feature: $(cat dist/changelog.md)"
grep -q "^## .*$version" CHANGELOG.md || fail "CHANGELOG.md does not record $version"
git checkout --quiet CHANGELOG.md

run unbump
[ "$(node -p "require('./package.json').version")" = "$before" ] || fail "unbump did not restore version $before"
# The release task's anti-tamper check: the build changed no tracked file.
git diff --ignore-space-at-eol --exit-code >/dev/null || { git diff --stat >&2; fail "the release build changed tracked files"; }
echo "release dry run: version $before -> $version; $checked carry $version; CHANGELOG.md records it; unbumped, no tracked file changed"
