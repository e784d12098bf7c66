#!/usr/bin/env bash
# The Python suite: the freshly built wheel (dist/python) installed into the test environment (python-tests/venv.sh),
# pytest; then cfn-lint over every synthesized template.
set -euo pipefail
cd "$(dirname "$0")/.."

bash python-tests/venv.sh
venv=.venv-test
cdk_version=$(node -p "require('./package.json').devDependencies['aws-cdk-lib']")
constructs_version=$(node -p "require('./package.json').devDependencies['constructs']")

version=$(node -p "require('./package.json').version")
wheel="dist/python/cdk_imagebuilder_distribution-$version-py3-none-any.whl"
if [ ! -f "$wheel" ]; then
  echo "$wheel is missing: run 'npx projen compile && npx projen package:python' first" >&2
  exit 1
fi
"$venv/bin/pip" uninstall --quiet --yes cdk-imagebuilder-distribution >/dev/null 2>&1 || true
"$venv/bin/pip" install --quiet --disable-pip-version-check "$wheel" "aws-cdk-lib==$cdk_version" "constructs==$constructs_version"

out=python-tests/.out
rm -rf "$out"
# Run, not type-checked again: npm test's typecheck step covers python-tests/, test/ and src/ (tsconfig.dev.json), and
# ts-node's own type check of them and of aws-cdk-lib's types took 117 s of CPU, against 13 s for the same templates.
TS_NODE_TRANSPILE_ONLY=true npx ts-node -P tsconfig.dev.json --prefer-ts-exts python-tests/synth-ts.ts "$out/ts"

# pytest keeps its temporary folders next to the templates, not in the system temporary folder.
"$venv/bin/python" -m pytest python-tests -q -p no:cacheprovider --basetemp "$out/pytest"

echo "cfn-lint $("$venv/bin/cfn-lint" --version) over the templates of every scenario and example:"
# cfn-lint's exit code is a bit mask: 1 fatal, 2 error, 4 warning, 8 informational. Errors fail the suite;
# a warning is allowed only when it is listed, with its reason, in the README ("cfn-lint").
set +e
"$venv/bin/cfn-lint" --format parseable -- "$out"/ts/*/*.json
rc=$?
set -e
if (( rc & 3 )); then
  echo "cfn-lint found errors (exit code $rc)" >&2
  exit 1
fi
echo "cfn-lint: no errors (exit code $rc)"
