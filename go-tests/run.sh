#!/usr/bin/env bash
# The Go suite: the README's Go quick start, built against the Go module jsii-pacmak wrote into dist/go (go.mod
# replaces the module's path with that directory) and the real aws-cdk-go, synthesized and checked.
# go.mod and go.sum pin every module; `go test` never changes them (-mod=readonly is its default).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$root/dist/go/cdkimagebuilderdistribution/go.mod" ]; then
  echo "dist/go/cdkimagebuilderdistribution is missing: run 'npx projen compile && npx projen package:bindings' first" >&2
  exit 1
fi
cd "$root/go-tests"
# One package at a time: compiling aws-cdk-go takes a core and about 300 MB, and npm test runs this next to other steps.
# -count=1: the program under test is rebuilt from dist/go each run; never report a cached result.
go test -p=1 -count=1 ./...
