#!/usr/bin/env bash
# The project's one test command (README, CI). Node 20's --test expands no globs and finds nothing in a folder,
# so the file list is built here. Files that boot QEMU end in .qemu.test.ts and run one at a time after the rest:
# TCG guests on 2 cores are slow, and running them side by side only makes every one of them time out.
set -euo pipefail
cd "$(dirname "$0")/.."
filter="${1:-}"
mapfile -t all < <(find core plugins agent conformance ui-widgets bench -name '*.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort | grep -e "$filter" || true)
light=() heavy=()
for f in "${all[@]}"; do
  case "$f" in *.qemu.test.ts | *.browser.test.ts) heavy+=("$f") ;; *) light+=("$f") ;; esac
done
if [ "${#all[@]}" -eq 0 ]; then echo "no test files match '$filter'" >&2; exit 1; fi
status=0
log=$(mktemp)
run() { node --import tsx --test --test-reporter=tap "$@" | tee -a "$log" || status=1; }
if [ "${#light[@]}" -gt 0 ]; then run --test-concurrency=2 "${light[@]}"; fi
if [ "${#heavy[@]}" -gt 0 ]; then run --test-concurrency=1 "${heavy[@]}"; fi
# Two runner invocations print two summaries; one closing line adds them up.
sum() { awk -v k="# $1" '$1" "$2==k {n+=$3} END {print n+0}' "$log"; }
echo "tests: $(sum pass) passed, $(sum fail) failed, $(sum skipped) skipped"
rm -f "$log"
exit "$status"
