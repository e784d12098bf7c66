#!/usr/bin/env bash
# Runs the projen tasks named as arguments at once (npm test uses it for steps that do not depend on each
# other). Each task's output is kept apart and printed whole, in the order given; the run fails, naming the
# tasks, when any of them fails. Each task's wall time is printed with its output (the slowest one sets the group's).
set -uo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

pids=()
for task in "$@"; do
  (
    start=$SECONDS
    npx projen "$task" >"$logs/$task.log" 2>&1
    code=$?
    echo $((SECONDS - start)) >"$logs/$task.seconds"
    exit $code
  ) &
  pids+=($!)
done

failed=()
for i in "${!pids[@]}"; do
  task=${*:i+1:1}
  wait "${pids[$i]}" || failed+=("$task")
  echo "----- $task ($(cat "$logs/$task.seconds" 2>/dev/null || echo '?') s)"
  cat "$logs/$task.log"
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "Failed: ${failed[*]}" >&2
  exit 1
fi
