#!/usr/bin/env bash
# The README's "Install" for TypeScript, done as a user would: a new, empty app folder that installs the npm
# tarball built from this clone (dist/js), with aws-cdk-lib and constructs, then runs the README's TypeScript
# quick start in it with ts-node and checks what it synthesized. Then test/install/checks.js runs against the
# oldest aws-cdk-lib the library supports and against the newest 2.x.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$(node -p "require('$root/package.json').version")
cdk_version=$(node -p "require('$root/package.json').devDependencies['aws-cdk-lib']")
constructs_version=$(node -p "require('$root/package.json').devDependencies['constructs']")
tarball="$root/dist/js/cdk-imagebuilder-distribution@$version.jsii.tgz"
if [ ! -f "$tarball" ]; then
  echo "$tarball is missing: run 'npx projen compile && npx projen package:js' first" >&2
  exit 1
fi

app=$(mktemp -d)
trap 'rm -rf "$app"' EXIT
cd "$app"
npm init -y >/dev/null
# As the README says (the registry's copies of aws-cdk-lib and friends come from npm's cache when they are there).
npm install --no-audit --no-fund --prefer-offline --loglevel=error \
  "$tarball" "aws-cdk-lib@$cdk_version" "constructs@$constructs_version" typescript@~6.0.3 ts-node@10.9.2 @types/node@^20

# The README's TypeScript quick start, exactly as written there.
node -e '
const readme = require("fs").readFileSync(process.argv[1], "utf-8");
const match = /<!-- quick-start:typescript -->\s*```ts[^\n]*\n([\s\S]*?)```/.exec(readme);
if (!match) { console.error("README.md has no TypeScript quick start after <!-- quick-start:typescript -->"); process.exit(1); }
require("fs").writeFileSync("app.ts", match[1]);
' "$root/README.md"
CDK_OUTDIR="$app/cdk.out" npx ts-node --compiler-options '{"module":"commonjs","esModuleInterop":true,"strict":true}' app.ts

node -e '
const template = require(process.argv[1]);
const dists = Object.values(template.Resources).filter(r => r.Type === "AWS::ImageBuilder::DistributionConfiguration");
const regions = dists.flatMap(d => d.Properties.Distributions.map(e => e.Region));
if (dists.length !== 1 || regions.join(",") !== "us-east-1,eu-west-1") {
  console.error("unexpected distribution in the installed app: " + JSON.stringify(dists));
  process.exit(1);
}
console.log("installed " + process.argv[2] + " into a new TypeScript app; the README quick start synthesized Regions " + regions.join(", "));
' "$app/cdk.out/GoldenAmi.template.json" "cdk-imagebuilder-distribution@$version"

# The preflight command, as the package's bin: its help, and exit code 2 when there is no assembly to read.
help=$(npx --no-install cdk-imagebuilder-distribution preflight --help)
if [[ "$help" != "Usage: cdk-imagebuilder-distribution preflight [options]"* ]]; then
  echo "unexpected preflight --help: $help" >&2
  exit 1
fi
set +e
npx --no-install cdk-imagebuilder-distribution preflight --app no-such-cdk-out 2>/dev/null
code=$?
set -e
if [ "$code" != 2 ]; then
  echo "preflight without an assembly exited with $code, not 2" >&2
  exit 1
fi
echo "npx cdk-imagebuilder-distribution preflight --help works from the installed package; no assembly exits with 2"

# Copied into the app, so that it resolves the app's own packages.
cp "$root/test/install/checks.js" checks.js
node checks.js

# The newest aws-cdk-lib 2.x: the library relies on no internal of aws-cdk-lib that changed.
npm install --no-audit --no-fund --prefer-offline --loglevel=error aws-cdk-lib@^2 >/dev/null
node checks.js
