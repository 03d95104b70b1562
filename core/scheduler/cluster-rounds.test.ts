import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { type PeerCalls, Peers } from "../cluster/peers.ts"
import { HostConfig } from "../config.ts"
import { power } from "../operations/power.ts"
import { createSnapshotSchedule } from "../operations/snapshots/schedules.ts"
import { seedVm } from "../operations/testing/world.ts"
import { sampleHost } from "../rules/testing-records.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { runDueSchedules } from "./rounds.ts"
import { runSchedule } from "./run.ts"

for (const backend of storeBackends) {
  describe(`the leader's scheduler over every host's VMs, on ${backend.name} (#16, P2)`, { skip: backend.skip }, () => {
    const core = useCore(backend)

    it("#16 P2 a due schedule of a VM on another host runs there, once; one on a down host is recorded refused", async () => {
      const owner = core.world.actors.owner
      const store = (f: (s: Store["Service"]) => Effect.Effect<unknown, unknown>) => core.run(Store.use(f))
      for (const old of (await core.run(Store.use((s) => s.schedules.list()))) as ReadonlyArray<{ id: string }>) {
        await store((s) => s.schedules.remove(old.id))
      }
      const other = sampleHost({ id: "other", name: "other", driver: core.world.host.driver, heartbeatAt: new Date() })
      const gone = sampleHost({ id: "gone", name: "gone", driver: core.world.host.driver, heartbeatAt: new Date(0) })
      for (const host of [other, gone]) await store((s) => s.hosts.insert(host))
      const asked: Array<string> = []
      // The other host's agent, played on the same database and driver: the real run under its host id.
      const peers: PeerCalls = {
        provision: () => Effect.die("not asked"),
        start: () => Effect.die("not asked"),
        batch: () => Effect.die("not asked"),
        runSchedule: (host, scheduleId, at) =>
          Effect.promise(async () => {
            asked.push(`${host.id} ${scheduleId}`)
            const schedule = await core.run(Store.use((s) => s.schedules.get(scheduleId)))
            const target = schedule.target.kind === "vm-snapshot" ? schedule.target.vmId : ""
            const vm = await core.run(Store.use((s) => s.vms.get(target)))
            const run = await core.run(
              Effect.provideService(runSchedule(schedule, vm, at), HostConfig, { ...core.host, hostId: host.id }),
            )
            return { taskId: run.task.id, pruned: run.pruned.map((t) => t.id) }
          }),
      }
      const inCluster = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provideService(effect, Peers, peers)
      const vmOn = async (hostId: string, displayName: string) => {
        const vm = await core.run(seedVm(core.world, { displayName }))
        await core.run(Effect.flatMap(power(owner, vm.id, "start"), (h) => h.done))
        await store((s) => s.vms.update(vm.id, { hostId }))
        const { schedule } = await core.run(
          createSnapshotSchedule(owner, vm.id, { period: "hourly", minute: 0, retention: 3 }),
        )
        return { vm, schedule }
      }
      const mine = await vmOn(core.world.host.id, "on_leader")
      const theirs = await vmOn(other.id, "on_other")
      const stranded = await vmOn(gone.id, "on_gone")
      const at = new Date(Date.now() + 2 * 3_600_000)

      const runs = await core.run(inCluster(runDueSchedules(at)))
      const byVm = new Map(runs.map((r) => [r.scheduleId, r.task]))
      assert.deepEqual(asked, [`other ${theirs.schedule.id}`], "only the other host's VM is asked of its agent")
      assert.equal(byVm.get(mine.schedule.id)?.state, "succeeded")
      assert.equal(byVm.get(theirs.schedule.id)?.state, "succeeded")
      const refused = byVm.get(stranded.schedule.id)
      assert.equal(refused?.state, "failed")
      assert.match(JSON.stringify(refused?.error), /vm-on-another-host/)
      const snapshots = async (vmId: string) => (await core.run(Store.use((s) => s.snapshots.list({ vmId })))).length
      assert.deepEqual([await snapshots(mine.vm.id), await snapshots(theirs.vm.id)], [1, 1])
      // Every slot counts as run: the next round at the same time finds nothing due.
      assert.deepEqual(await core.run(inCluster(runDueSchedules(at))), [])
      assert.equal(asked.length, 1)
      // One agent alone runs its own host's schedules only, as before the cluster.
      await store((s) => s.schedules.update(theirs.schedule.id, { lastRunAt: null }))
      assert.deepEqual(await core.run(runDueSchedules(at)), [])
    })
  })
}
