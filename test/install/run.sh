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
# The TypeScript and ts-node the README's "New TypeScript apps" names (the project's own): ts-node does not run
# with TypeScript 7, which has no JavaScript compiler API.
typescript_version=$(node -p "require('$root/package.json').devDependencies['typescript']")
ts_node_version=$(node -p "require('$root/package.json').devDependencies['ts-node']")
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
  "$tarball" "aws-cdk-lib@$cdk_version" "constructs@$constructs_version" "typescript@$typescript_version" "ts-node@$ts_node_version" @types/node@^22

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

# An app as `cdk init app --language typescript` makes it today: TypeScript 7 (type-check only, `noEmit`) and tsx
# instead of ts-node. The same quick start type-checks and synthesizes.
npm install --no-audit --no-fund --prefer-offline --loglevel=error typescript@~7.0.2 tsx@^4.23.0 >/dev/null
echo '{"compilerOptions":{"target":"ES2022","module":"NodeNext","moduleResolution":"NodeNext","lib":["es2022"],"strict":true,"skipLibCheck":true,"noEmit":true,"isolatedModules":true,"types":["node"]},"include":["app.ts"]}' >tsconfig.json
npx tsc -p tsconfig.json
rm -rf "$app/cdk.out"
# (tsx keeps its cache and IPC pipes in the temporary folder: here, one inside the app, removed with it)
mkdir "$app/tmp"
TMPDIR="$app/tmp" CDK_OUTDIR="$app/cdk.out" npx tsx app.ts
test -f "$app/cdk.out/GoldenAmi.template.json"
echo "the README quick start type-checks with TypeScript $(npx tsc --version | sed 's/Version //') and synthesizes with tsx"

# The command on Node 22 (this run's) and on Node 20 (.ci/node.sh installs it), whose users the bundled SDK still
# supports: preflight of the app just synthesized, against an endpoint that refuses every connection, creates an
# SDK client, calls it, stops with exit 2 (no usable credentials: the connection refused, said with the fix) and
# prints no warning of Node's (`(node:PID) Warning: ...`), such as the SDK's about Node 20 (off in the bundle:
# projenrc/bundle-cli.js; a bundle without that setting prints it here).
node20="$(bash "$root/.ci/node.sh" 20)/node"
closed_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
for node_bin in "$(command -v node)" "$node20"; do
  set +e
  stderr=$(AWS_ENDPOINT_URL="http://127.0.0.1:$closed_port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
    AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    "$node_bin" node_modules/cdk-imagebuilder-distribution/lib/cli/main.js preflight --app "$app/cdk.out" 2>&1 >/dev/null)
  code=$?
  set -e
  if [ "$code" != 2 ] || [[ "$stderr" == *"(node:"* ]] || [[ "$stderr" != *"connection refused"* ]]; then
    echo "preflight on $("$node_bin" --version) against a closed port: exit $code (expected 2, connection refused, no warning):" >&2
    echo "$stderr" >&2
    exit 1
  fi
  echo "preflight runs on Node $("$node_bin" --version): exit 2 against a closed port, no warning printed"
done

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
