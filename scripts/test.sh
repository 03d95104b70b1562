#!/usr/bin/env bash
# The project's one test command (README, CI). Node 20's --test expands no globs and finds nothing in a folder,
# so the file list is built here. Files that boot QEMU end in .qemu.test.ts, files that drive Chromium in
# .browser.test.ts; they run after the rest in two lanes, never more than two at once (below): TCG guests on 2 cores
# are slow.
set -euo pipefail
cd "$(dirname "$0")/.."
filter="${1:-}"
mapfile -t all < <(find core plugins agent conformance ui-widgets bench scripts -name '*.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort | grep -e "$filter" || true)
light=() heavy=()
for f in "${all[@]}"; do
  case "$f" in *.qemu.test.ts | *.browser.test.ts) heavy+=("$f") ;; *) light+=("$f") ;; esac
done
if [ "${#all[@]}" -eq 0 ]; then echo "no test files match '$filter'" >&2; exit 1; fi
# The store-backed tests need a PostgreSQL server: TEST_DATABASE_URL (CI: Debian's PostgreSQL 15), or else one
# embedded server (embedded-postgres) for the whole run, stopped at the end.
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  eval "$(node --import tsx scripts/test-pg.ts start)"
  trap 'node --import tsx scripts/test-pg.ts stop "$HYPERX_TEST_PG_DIR"' EXIT
fi
status=0
log=$(mktemp)
started=$(date +%s)
# A test that hangs fails after its timeout instead of holding the run until CI's limit (light files: 5 minutes a
# test; heavy files: 20 minutes, a whole conformance suite included).
# Every file loads its TypeScript through test-support/ts.mjs, not tsx: the same compiler and options, a quarter less
# CPU to start each file (test-support/ts-hooks.mjs says why). Node 20's runner sorts the files it is given, so their
# order cannot be chosen here.
run() {
  local timeout=$1 concurrency=$2
  node --import ./test-support/ts.mjs --test --test-reporter=tap --test-timeout="$timeout" \
    --test-concurrency="$concurrency" "${@:3}"
}
# The heavy files run in two lanes side by side, each one file at a time: libvirt's (its conformance suite alone takes
# minutes, mostly waiting on libvirtd and guest boots; any *libvirt*.qemu.test.ts joins it, so that two files never
# drive libvirtd at once) and all the others. One guest boots at a time per lane, so never more than two at once.
libvirt_lane=() other_lane=()
# Files that run beside libvirt's to even the lanes (CI, 6 Dec 2026: 922 s of suites against 659 with the first two
# only; the other four move about 120 s; later that day 1,323 s against 1,173, and the ping across a move, 55 s, joins).
# CI of e587a38: 1,783 s against 1,550; the conformance suites' shared guest then saves about 16 boots in each
# (~135 s under QEMU, ~240 s under libvirt), so the three SSH and network files (about 177 s) join as well.
# CI of 5436b06 and 2db9160 (7 Dec): 2,153 s against 1,930 and 2,066 against 1,849; QEMU's lifecycle and USB files
# (77 + 36 s) join. Then about 200 s of this lane's cases went as duplicates of the conformance runs (libvirt's
# driver file 116 s, the portal's zh-CN walk, some lifecycle and libvirt device cases), so QEMU's migration and the
# agent's end-to-end files (56 + 33 s) join too.
balance=(agent/cluster/three-hosts.qemu.test.ts ui-widgets/portal.qemu.browser.test.ts
  plugins/linux-net/guests.qemu.test.ts plugins/qemu/driver/backups.qemu.test.ts
  agent/cluster/migration-network.qemu.test.ts agent/routes/ssh-login.qemu.test.ts
  agent/routes/networks.qemu.test.ts core/operations/login.qemu.test.ts
  plugins/qemu/driver/lifecycle.qemu.test.ts plugins/qemu/driver/usb-guest.qemu.test.ts
  plugins/qemu/driver/migration.qemu.test.ts agent/start/e2e.qemu.test.ts)
for f in "${heavy[@]}"; do
  if [[ " ${balance[*]} " == *" $f "* ]]; then libvirt_lane+=("$f"); continue; fi
  case "$f" in plugins/libvirt/* | *libvirt*.qemu.test.ts) libvirt_lane+=("$f") ;; *) other_lane+=("$f") ;; esac
done
# The light files run first, two at a time, then the two lanes. Beside the lanes, one at a time, they ended with the
# lanes and saved nothing: the lanes took as much longer as the light files' CPU (fresh-clone CIs of 7 Dec 2026:
# light 1,605 and 1,830 s, lanes 2,006 / 1,849 and 1,975 / 1,797 s, 2,063 and 2,032 s in all, against 2,077 s
# before), and the busier machine let a test flake. Each lane's output is shown when it ends, not interleaved.
parts=() pids=()
part() {
  local name=$1
  shift
  (
    rc=0
    "$@" >"$log.$name" 2>&1 || rc=$?
    echo "$name $(($(date +%s) - started)) s" >"$log.$name.ended"
    exit "$rc"
  ) &
  parts+=("$name") pids+=("$!")
}
if [ "${#light[@]}" -gt 0 ]; then run 300000 2 "${light[@]}" | tee -a "$log" || status=1; fi
if [ "${#heavy[@]}" -gt 0 ]; then
  echo "light files ended after $(($(date +%s) - started)) s"
  if [ "${#other_lane[@]}" -gt 0 ]; then part other run 1200000 1 "${other_lane[@]}"; fi
  if [ "${#libvirt_lane[@]}" -gt 0 ]; then part libvirt run 1200000 1 "${libvirt_lane[@]}"; fi
  ended=""
  for i in "${!parts[@]}"; do
    out="$log.${parts[$i]}"
    wait "${pids[$i]}" || status=1
    tee -a "$log" <"$out"
    ended+="${ended:+, }$(cat "$out.ended")"
    rm -f "$out" "$out.ended"
  done
  # Where the time went, for the next look at CI's wall time: each part's end, counted from the start of the tests.
  echo "ended after: $ended"
fi
# Each runner invocation prints its own summary; one closing line adds them up.
sum() { awk -v k="# $1" '$1" "$2==k {n+=$3} END {print n+0}' "$log"; }
echo "tests: $(sum pass) passed, $(sum fail) failed, $(sum skipped) skipped"
rm -f "$log"
exit "$status"
