#!/usr/bin/env bash
# The test suite's Python environment, in .venv-test: aws-cdk-lib and constructs at exactly the versions the
# project builds against, cfn-lint, pytest, and moto in server mode (the AWS emulator of the preflight tests).
# Built on first use and rebuilt when a pinned version changes; prints nothing when it is up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-test
cdk_version=$(node -p "require('./package.json').devDependencies['aws-cdk-lib']")
constructs_version=$(node -p "require('./package.json').devDependencies['constructs']")
cfn_lint_version=1.58.0 # the newest release (checked with `pip index versions cfn-lint`); it runs offline
moto_version=5.2.5
stamp="$venv/.pinned-$cdk_version-$constructs_version-$cfn_lint_version-$moto_version"

if [ ! -f "$stamp" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "aws-cdk-lib==$cdk_version" "constructs==$constructs_version" "cfn-lint==$cfn_lint_version" pytest "moto[server]==$moto_version"
  touch "$stamp"
fi
