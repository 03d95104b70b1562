/**
 * bench/ha-failover (#16, R12): from kill -9 of a host (its agent's process group and its QEMUs) to its HA VM's guest
 * booted on another host, with the default timeouts (heartbeat 2 s, suspect 6 s, down 10 s, self-fencing at 6 s).
 * Three agents on loopback, one PostgreSQL, a shared directory, real QEMU, tiny guests; the real clock throughout.
 * Prints JSON only:
 *   node --import tsx bench/ha-failover/run.ts [postgresql://…]   (or TEST_DATABASE_URL)
 * Phases: detect (kill → the host reads down), fenceWait (the part of detect past the victim's self-fencing point,
 * by design), place (down → the VM recorded on another host), boot (placed → the guest's boot line). The target is
 * 30 s in all; boot under TCG on a busy machine dominates.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { createRunning, killAndFailOver, startCluster } from "../../agent/cluster/failover-scenario.ts"
import { scratchDatabase } from "../../core/store/testing.ts"
import { loadAverages, machineFacts } from "../shared/load.ts"

const adminUrl = process.argv.slice(2).find((arg) => /^postgres(ql)?:\/\//.test(arg)) ?? process.env.TEST_DATABASE_URL
if (adminUrl === undefined) throw new Error("bench/ha-failover needs PostgreSQL: pass a URL or set TEST_DATABASE_URL")

const loadAtStart = loadAverages()
const folder = mkdtempSync(join(tmpdir(), "hx-bench-ha-"))
const scope = Effect.runSync(Scope.make())
const cluster = await (async () => {
  const db = await Effect.runPromise(Scope.provide(scratchDatabase(adminUrl), scope))
  return startCluster(folder, db.url)
})()
try {
  const [a, b] = cluster.members
  if (a === undefined || b === undefined) throw new Error("the cluster did not start")
  const first = await createRunning(cluster, a, "bench_ha_1", true)
  await createRunning(cluster, b, "bench_ha_2", true)
  const victim = cluster.members.find((m) => m.id === first.hostId) ?? a
  const phases = await killAndFailOver(cluster, victim, first)
  console.log(
    JSON.stringify(
      {
        bench: "ha-failover",
        phases,
        targetMs: 30_000,
        withinTarget: phases.totalMs <= 30_000,
        machine: machineFacts(loadAtStart),
      },
      null,
      2,
    ),
  )
} finally {
  cluster.stop()
  await Effect.runPromise(Scope.close(scope, Exit.void))
  rmSync(folder, { recursive: true, force: true })
}
