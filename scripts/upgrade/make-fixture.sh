#!/usr/bin/env bash
# Makes scripts/upgrade/previous.tar.gz (#22): the records of the previous release (main at 69cf56f, before #22), for
# scripts/upgrade.test.ts. Runs that release's code (git archive) with the fake driver on a PostgreSQL server of the
# caller's (TEST_DATABASE_URL, e.g. from scripts/pg-throwaway.sh), makes two VMs with a snapshot, a snapshot schedule,
# a data disk backup, a backup schedule and an API token, then keeps the data folder and a pg_dump of the database.
#   bash scripts/upgrade/make-fixture.sh [COMMIT]
set -euo pipefail
cd "$(dirname "$0")/../.."
commit="${1:-69cf56f}"
work=$(mktemp -d /tmp/hx-upgrade-fixture-XXXX)
agent=""
trap '[ -n "$agent" ] && kill "$agent" 2>/dev/null 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir "$work/code" "$work/fixture"
git archive "$commit" | tar -x -C "$work/code"
ln -s "$PWD/node_modules" "$work/code/node_modules"
db="hx_upgrade_$$"
psql "$TEST_DATABASE_URL" -qc "create database $db"
url="${TEST_DATABASE_URL%/*}/$db"
port=$((20000 + RANDOM % 20000))
node "$work/code/agent/cli/hyperx.js" agent --data "$work/fixture/data" --database-url "$url" --driver fake \
  --port "$port" >"$work/agent.log" 2>&1 &
agent=$!
until grep -q "Stop the agent" "$work/agent.log"; do sleep 0.5; kill -0 "$agent"; done
token=$(grep -o 'hx_[A-Za-z0-9_-]\{20,\}' "$work/agent.log" | head -1)
api() { curl -sf -X "$1" "http://127.0.0.1:$port/api/v1$2" -H "Authorization: Bearer $token" \
  -H "Content-Type: application/json" ${3:+-d "$3"}; }
wait_tasks() { until [ "$(api GET /tasks | grep -o '"state":"\(queued\|running\)"' | wc -l)" = 0 ]; do sleep 0.5; done; }
vm_a=$(api POST /vms '{"imageId":"tiny-linux","flavorId":"tiny","name":"snapshots_vm"}' | grep -o '"vmIds":\["[^"]*"' | cut -d'"' -f4)
vm_b=$(api POST /vms '{"imageId":"tiny-linux","flavorId":"tiny","name":"backups_vm"}' | grep -o '"vmIds":\["[^"]*"' | cut -d'"' -f4)
wait_tasks
api POST "/vms/$vm_a/snapshots" '{"name":"before upgrade"}' >/dev/null
api POST "/vms/$vm_a/snapshot-schedules" '{"period":"daily","minute":5,"hour":3,"retention":3}' >/dev/null
disk=$(api GET "/vms/$vm_b/disks" | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
wait_tasks
api POST "/vms/$vm_b/disks/$disk/backups" '{}' >/dev/null
api POST "/vms/$vm_b/disks/$disk/backup-schedules" '{"period":"hourly","minute":15,"retention":2}' >/dev/null
wait_tasks
node "$work/code/agent/cli/hyperx.js" token create --role admin --department demo --name upgrade-kept \
  --data "$work/fixture/data" --database-url "$url" >"$work/token.txt" 2>&1 || cat "$work/token.txt"
kill -INT "$agent"; wait "$agent" || true
/usr/lib/postgresql/15/bin/pg_dump --no-owner --no-privileges "$url" >"$work/fixture/database.sql"
psql "$TEST_DATABASE_URL" -qc "drop database $db"
echo "$token" >"$work/fixture/superadmin-token"
grep -o 'hx_[A-Za-z0-9_-]\{20,\}' "$work/token.txt" | head -1 >"$work/fixture/admin-token"
# The database and fake-driver.json hold absolute paths into the data folder: the test rewrites this prefix.
echo "$work/fixture/data" >"$work/fixture/data-dir"
tar -C "$work/fixture" -czf scripts/upgrade/previous.tar.gz .
ls -la scripts/upgrade/previous.tar.gz
