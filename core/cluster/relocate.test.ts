import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { RuleViolation } from "../errors.ts"
import { power } from "../operations/power.ts"
import { seedVm } from "../operations/testing/world.ts"
import { sampleHost } from "../rules/testing-records.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { defaultTimeouts } from "./host-state.ts"
import { type PeerCalls, Peers } from "./peers.ts"
import { ClusterSettings } from "./settings.ts"

for (const backend of storeBackends) {
  describe(`the start of a stopped VM whose host is down, on ${backend.name} (#16)`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    const sharedStorageDir = "/var/lib/hyperx/disks"
    const settings = { timeouts: defaultTimeouts, stoppedVms: "hold" as const, sharedStorageDir }
    // No other agent answers in this world: this agent's own host is the only one up.
    const peers: PeerCalls = {
      provision: () => Effect.die("not asked"),
      start: () => Effect.die("not asked"),
      batch: () => Effect.die("not asked"),
      runSchedule: () => Effect.die("not asked"),
    }
    const inCluster = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      effect.pipe(Effect.provideService(Peers, peers), Effect.provideService(ClusterSettings, settings))
    const vm = (id: string) => core.run(Store.use((s) => s.vms.get(id)))
    const tasksOf = (id: string) => core.run(Store.use((s) => s.tasks.list({ vmId: id })))
    const deadHost = async (id: string) => {
      const dead = sampleHost({ id, name: id, driver: core.world.host.driver, heartbeatAt: new Date(0) })
      await core.run(Store.use((s) => s.hosts.insert(dead)))
      return dead
    }

    it("#16 B2 a VM with every disk shared moves to a host that is up and starts there; the move is a task", async () => {
      const dead = await deadHost("gone1")
      const stopped = await core.run(seedVm(core.world, { hostId: dead.id, state: "stopped", displayName: "movable" }))
      const handle = await core.run(inCluster(power(core.world.actors.owner, stopped.id, "start")))
      assert.equal((await core.run(handle.done)).state, "succeeded")
      const after = await vm(stopped.id)
      assert.deepEqual([after.hostId, after.state], [core.world.host.id, "running"])
      assert.equal((await core.run(core.fake.driver.inspect(after.hostname))).power, "running")
      const tasks = await tasksOf(stopped.id)
      assert.deepEqual(tasks.map((t) => t.operation).sort(), ["vm.relocate", "vm.start"])
      const moved = tasks.find((t) => t.operation === "vm.relocate")
      assert.deepEqual(
        [moved?.userId, moved?.params],
        [core.world.actors.owner.userId, { from: dead.id, to: core.world.host.id }],
      )
    })

    it("#16 R12 a local disk keeps the VM for its host: 409 host-down-local-disks, nothing changes", async () => {
      const dead = await deadHost("gone2")
      const stopped = await core.run(seedVm(core.world, { hostId: dead.id, state: "stopped", displayName: "pinned" }))
      const [disk] = await core.run(Store.use((s) => s.disks.list({ vmId: stopped.id })))
      await core.run(Store.use((s) => s.disks.update(disk?.id ?? "", { path: "/srv/local/pinned.qcow2" })))
      const refused = await core.run(Effect.flip(inCluster(power(core.world.actors.owner, stopped.id, "start"))))
      assert.ok(refused instanceof RuleViolation, String(refused))
      assert.deepEqual([refused.rule, refused.kind], ["host-down-local-disks", "conflict"])
      assert.match(refused.message, /gone2 is down/)
      const after = await vm(stopped.id)
      assert.deepEqual([after.hostId, after.state, after.version], [dead.id, "stopped", stopped.version])
      assert.deepEqual(await tasksOf(stopped.id), [])
      // Outside the caller's scope it is not found, as any VM: the host's state tells nothing.
      const outsider = await core.run(Effect.flip(inCluster(power(core.world.actors.outsider, stopped.id, "start"))))
      assert.equal(outsider._tag, "NotFound")
    })
  })
}
