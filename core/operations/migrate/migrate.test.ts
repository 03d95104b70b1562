import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { makeFakeDriver } from "../../../plugins/fake/index.ts"
import { type Core, useCore } from "../../../test-support/core.ts"
import { PeerUnreachable } from "../../cluster/peers.ts"
import type { Driver } from "../../driver/driver.ts"
import { sampleHost } from "../../rules/testing-records.ts"
import { Store } from "../../store/ports.ts"
import { storeBackends } from "../../store/testing.ts"
import { power } from "../power.ts"
import { buildSpec } from "../spec.ts"
import { seedVm } from "../testing/world.ts"
import { diskSyncTimeoutSeconds } from "./disk-sync-deadline.ts"
import { type MigrateInput, migrateVm } from "./migrate.ts"
import { type MigrationPeerCalls, MigrationPeers } from "./peers.ts"

const fail = (what: string) => new PeerUnreachable({ hostId: "host-2", message: what })
/** The target host's agent, standing in: it drives the second fake directly. */
const targetPeers = (core: Core, t: Driver, calls: Array<string>, finishFails: () => boolean): MigrationPeerCalls => ({
  prepare: (_host, vmId, storage) =>
    Effect.tryPromise({
      try: async () => {
        calls.push("prepare")
        const spec = await core.run(
          Effect.flatMap(
            Store.use((s) => s.vms.get(vmId)),
            buildSpec,
          ),
        )
        const disks = spec.disks.map((d) => ({ id: d.id, path: `/target/${d.id}.qcow2` }))
        const moved = { ...spec, disks: spec.disks.map((d) => ({ ...d, path: `/target/${d.id}.qcow2` })) }
        const endpoint = await Effect.runPromise(
          t.migration?.prepareIncoming(moved, { storage, listenHost: "x" }) as never,
        )
        return { endpoint, disks } as never
      },
      catch: () => fail("prepare"),
    }),
  finish: (_host, vmId) =>
    Effect.tryPromise({
      try: async () => {
        calls.push("finish")
        if (finishFails()) throw new Error("no proof")
        const vm = await core.run(Store.use((s) => s.vms.get(vmId)))
        await Effect.runPromise(t.migration?.finishIncoming(vm.hostname) as never)
      },
      catch: () => fail("the guest gave no sign of life on host-2"),
    }),
  abort: (_host, vmId) =>
    Effect.tryPromise({
      try: async () => {
        calls.push("abort")
        const vm = await core.run(Store.use((s) => s.vms.get(vmId)))
        await Effect.runPromise(t.migration?.abortIncoming(vm.hostname) as never)
      },
      catch: () => fail("abort"),
    }),
})

/** The second host, once, with the source's driver. */
const insertHost2 = async (core: Core) => {
  await core.run(
    Store.use((s) =>
      s.hosts
        .get("host-2")
        .pipe(
          Effect.catchTag("NotFound", () =>
            s.hosts.insert(
              sampleHost({ id: "host-2", name: "host-2", driver: core.fake.driver.name, heartbeatAt: null }),
            ),
          ),
        ),
    ),
  )
}

/**
 * R9 on the runner, over a real store and two fake hosts (the fake driver migrates between its instances in memory):
 * the peers stand in for the target host's agent and drive the second fake directly.
 */
for (const backend of storeBackends) {
  describe(`R9 vm.migrate on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    const calls: Array<string> = []
    let target: Driver | undefined
    let finishFails = false
    const targetDriver = async () => {
      target ??= (await Effect.runPromise(makeFakeDriver({ bootDelayMs: 0, shutdownDelayMs: 0 }))).driver
      return target
    }
    const peers = (t: Driver) => targetPeers(core, t, calls, () => finishFails)
    const running = async () => {
      const vm = await core.run(seedVm(core.world))
      await core.complete(power(core.world.actors.owner, vm.id, "start"))
      return vm
    }
    const host2 = () => insertHost2(core)
    const migrate = async (vmId: string, hostId?: string) => {
      const t = await targetDriver()
      return core.run(
        Effect.provideService(
          migrateVm(core.world.actors.superadmin, vmId, hostId === undefined ? {} : { hostId }),
          MigrationPeers,
          peers(t),
        ),
      )
    }

    it("R9 the VM moves: recorded on the target with its disks there, progress events, the source forgets it", async () => {
      await host2()
      const vm = await running()
      const recorder = await core.record()
      const handle = await migrate(vm.id)
      const task = await core.run(handle.done)
      recorder.stop()
      assert.equal(task.state, "succeeded", JSON.stringify(task.error))
      const moved = await core.run(Store.use((s) => s.vms.get(vm.id)))
      assert.equal(moved.hostId, "host-2", "placement chose the only other host")
      assert.equal(moved.state, "running")
      const disks = await core.run(Store.use((s) => s.disks.list({ vmId: vm.id })))
      assert.ok(disks.every((d) => d.path.startsWith("/target/") && d.hostId === "host-2" && d.backingPath === null))
      await assert.rejects(core.run(core.fake.driver.inspect(vm.hostname)), /no domain/)
      assert.equal((await Effect.runPromise((await targetDriver()).inspect(vm.hostname))).power, "running")
      const states = recorder.events.flatMap((e) => (e._tag === "vm-state" && e.vmId === vm.id ? [e.to] : []))
      assert.deepEqual(states, ["migrating", "running"])
      assert.ok(recorder.events.some((e) => e._tag === "vm-migration" && e.vmId === vm.id && e.taskId === task.id))
    })

    it("R9 parallel requests: one migration runs, the others are refused as busy", async () => {
      await host2()
      const vm = await running()
      const t = await targetDriver()
      const results = await Promise.allSettled(
        [1, 2, 3].map(() =>
          core.run(
            Effect.provideService(
              migrateVm(core.world.actors.superadmin, vm.id, { hostId: "host-2" }),
              MigrationPeers,
              peers(t),
            ),
          ),
        ),
      )
      const started = results.filter((r) => r.status === "fulfilled")
      assert.equal(started.length, 1)
      // Refused as busy, or (read afresh once the lock was found taken) on the VM's state, now migrating.
      for (const r of results)
        if (r.status === "rejected")
          assert.match(`${String(r.reason)} ${(r.reason as { rule?: string }).rule}`, /vm-busy|lifecycle-state|busy/)
      const done = await core.run(
        (started[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof migrate>>>).value.done,
      )
      assert.equal(done.state, "succeeded")
    })

    it("R9 no proof on the target: the VM runs on at the source, the target's side ended, the task says why", async () => {
      await host2()
      const vm = await running()
      finishFails = true
      calls.length = 0
      const task = await core.run(
        Effect.flatMap(
          Effect.promise(() => migrate(vm.id, "host-2")),
          (h) => h.done,
        ),
      )
      finishFails = false
      assert.equal(task.state, "failed")
      assert.match(task.error?.message ?? "", /no sign of life/)
      assert.deepEqual(calls, ["prepare", "finish", "abort"])
      const after = await core.run(Store.use((s) => s.vms.get(vm.id)))
      assert.equal(after.hostId, core.world.host.id)
      assert.equal(after.state, "running")
      assert.equal((await core.run(core.fake.driver.inspect(vm.hostname))).power, "running")
      await assert.rejects(Effect.runPromise((await targetDriver()).inspect(vm.hostname)), /no domain/)
    })
  })

  describe(`R9 H2 vm.migrate's disk deadline on ${backend.name}`, { skip: backend.skip }, () => {
    // The source's fake copies the disks in two steps of 600 ms: a 1 s deadline falls within its disk phase.
    const core = useCore(backend, { migrationStepMs: 600 })
    const calls: Array<string> = []
    const migrate = async (vmId: string, input: MigrateInput) => {
      const target = (await Effect.runPromise(makeFakeDriver({ bootDelayMs: 0, shutdownDelayMs: 0 }))).driver
      const handle = await core.run(
        Effect.provideService(
          migrateVm(core.world.actors.superadmin, vmId, input),
          MigrationPeers,
          targetPeers(core, target, calls, () => false),
        ),
      )
      return { task: await core.run(handle.done), target }
    }

    it("R9 H2 a disk copy that misses the request's deadline fails the move: the VM runs on at its host", async () => {
      await insertHost2(core)
      const vm = await core.run(seedVm(core.world))
      await core.complete(power(core.world.actors.owner, vm.id, "start"))
      const { task, target } = await migrate(vm.id, { hostId: "host-2", diskSyncTimeoutSeconds: 1 })
      assert.equal(task.state, "failed")
      assert.match(task.error?.message ?? "", /the disks did not converge within 1 s/)
      assert.equal(
        (task.params as { diskSyncTimeoutSeconds?: number }).diskSyncTimeoutSeconds,
        1,
        "the task records the deadline asked for",
      )
      const after = await core.run(Store.use((s) => s.vms.get(vm.id)))
      assert.equal(after.hostId, core.world.host.id)
      assert.equal(after.state, "running")
      assert.equal((await core.run(core.fake.driver.inspect(vm.hostname))).power, "running")
      await assert.rejects(Effect.runPromise(target.inspect(vm.hostname)), /no domain/)
    })

    it("R9 H2 without a deadline in the request, the VM's disks set it (30 min at least): the same copy succeeds", async () => {
      await insertHost2(core)
      const vm = await core.run(seedVm(core.world))
      await core.complete(power(core.world.actors.owner, vm.id, "start"))
      const { task } = await migrate(vm.id, { hostId: "host-2" })
      assert.equal(task.state, "succeeded", JSON.stringify(task.error))
      assert.equal((task.params as { diskSyncTimeoutSeconds?: number }).diskSyncTimeoutSeconds, undefined)
      assert.equal((await core.run(Store.use((s) => s.vms.get(vm.id)))).hostId, "host-2")
    })

    it("R9 H2 the default deadline: 30 min, or 30 s per GiB of the VM's disks when longer", () => {
      assert.equal(diskSyncTimeoutSeconds([{ sizeGiB: 10 }, { sizeGiB: 20 }], undefined), 30 * 60)
      assert.equal(diskSyncTimeoutSeconds([{ sizeGiB: 100 }, { sizeGiB: 100 }], undefined), 200 * 30)
      assert.equal(diskSyncTimeoutSeconds([{ sizeGiB: 100 }, { sizeGiB: 100 }], 5), 5)
    })
  })
}
