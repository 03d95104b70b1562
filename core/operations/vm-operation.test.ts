import assert from "node:assert/strict"
import { randomBytes, randomUUID } from "node:crypto"
import { after, before, describe, it } from "node:test"
import { Effect, Layer, ManagedRuntime } from "effect"
import { makeFakeDriver } from "../../plugins/fake/index.ts"
import { useCore } from "../../test-support/core.ts"
import type { HostConfig } from "../config.ts"
import { RuleViolation } from "../errors.ts"
import { coreLayer } from "../layer.ts"
import type { Vm } from "../model/vm.ts"
import { openDatabase } from "../store/database.ts"
import { Store } from "../store/ports.ts"
import { storeOver } from "../store/store.ts"
import { adminQuery, storeBackends } from "../store/testing.ts"
import { deleteOperation } from "./delete.ts"
import { setDeletionProtection, setHa } from "./edit.ts"
import { runVmOperation } from "./run-vm-operation.ts"
import { seedVm, seedWorld, type World } from "./testing/world.ts"
import { VmLocks } from "./vm-lock.ts"

/** What this agent would recall of a fresh VM after an earlier operation (see VmLocks.recalled). */
const recall = (vm: Vm) => ({
  vm,
  facts: { snapshots: 0, snapshotSchedules: 0, backups: 0, backupSchedules: 0, gpus: 0, usbDevices: 0 },
  image: { osFamily: "linux" as const, passwordManaged: false },
})

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => assert.fail("expected a refusal"),
    (e: unknown) => e,
  )
  assert.ok(error instanceof RuleViolation, `a RuleViolation, not ${String(error)}`)
  return error
}

for (const backend of storeBackends) {
  describe(`the VM-operation runner on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)

    it("G4 B4 R7 deletion protection switched on between the check and the lock: the delete is refused under the lock", async () => {
      const vm = await core.run(seedVm(core.world))
      let protectedMeanwhile = false
      // `prepare` runs after the first check and before the lock: the moment another request can slip in.
      const racing = {
        ...deleteOperation,
        prepare: (context: Parameters<NonNullable<typeof deleteOperation.prepare>>[0]) =>
          Effect.gen(function* () {
            if (!protectedMeanwhile) {
              protectedMeanwhile = true
              yield* setDeletionProtection(core.world.actors.superadmin, vm.id, true)
            }
            return yield* deleteOperation.prepare?.(context) ?? Effect.die("no prepare")
          }),
      }
      const error = await refusal(core.run(runVmOperation(racing, core.world.actors.superadmin, vm.id, {})))
      assert.equal(error.rule, "deletion-protected")
      const after = await core.run(Store.use((s) => s.vms.get(vm.id)))
      assert.equal(after.state, "stopped", "nothing changed")
      assert.equal(after.recycledAt, null)
      const tasks = await core.run(Store.use((s) => s.tasks.list({ vmId: vm.id })))
      assert.deepEqual(
        tasks.map((t) => t.operation),
        ["vm.deletion-protection"],
        "no delete task was recorded",
      )
      assert.equal(await core.run(Store.use((s) => s.vmLocks.holder(vm.id))), undefined, "the lock is free")
    })

    it("G4 B4 R7 protection switched on by another agent after this one last read the VM: refused under the lock", async () => {
      const vm = await core.run(seedVm(core.world))
      // This agent read the VM unprotected under its lock (an earlier operation); another agent then protects it.
      await core.run(VmLocks.use((locks) => Effect.sync(() => locks.remember(recall(vm)))))
      await core.run(Store.use((s) => s.vms.update(vm.id, { deletionProtected: true })))
      const error = await refusal(core.run(runVmOperation(deleteOperation, core.world.actors.superadmin, vm.id, {})))
      assert.equal(error.rule, "deletion-protected")
      const after = await core.run(Store.use((s) => s.vms.get(vm.id)))
      assert.equal(after.recycledAt, null, "nothing changed")
      assert.deepEqual(await core.run(Store.use((s) => s.tasks.list({ vmId: vm.id }))), [], "no task was recorded")
      assert.equal(await core.run(Store.use((s) => s.vmLocks.holder(vm.id))), undefined, "the lock is free")
      const recalled = await core.run(VmLocks.use((locks) => Effect.sync(() => locks.recalled(vm.id))))
      assert.equal(recalled?.vm.deletionProtected, true, "the fresh read is what the agent recalls now")
    })

    it("G4 a refusal on what the agent recalls is never the answer: the VM is read again, and the delete runs", async () => {
      const vm = await core.run(seedVm(core.world))
      await core.run(
        VmLocks.use((locks) => Effect.sync(() => locks.remember(recall({ ...vm, deletionProtected: true })))),
      )
      const handle = await core.run(runVmOperation(deleteOperation, core.world.actors.superadmin, vm.id, {}))
      const task = await core.run(handle.done)
      assert.equal(task.state, "succeeded")
      assert.notEqual((await core.run(Store.use((s) => s.vms.get(vm.id)))).recycledAt, null, "in the recycle bin")
    })

    it("G4 a VM handed to another department since this agent recalled it: the old owner gets NotFound", async () => {
      const vm = await core.run(seedVm(core.world))
      await core.run(VmLocks.use((locks) => Effect.sync(() => locks.remember(recall(vm)))))
      const other = core.world.departments[1]
      await core.run(
        Store.use((s) => s.vms.update(vm.id, { departmentId: other.id, ownerId: core.world.users.outsider.id })),
      )
      const error = await core.run(runVmOperation(deleteOperation, core.world.actors.owner, vm.id, {})).then(
        () => assert.fail("expected NotFound"),
        (e: unknown) => e as { readonly _tag: string },
      )
      assert.equal(error._tag, "NotFound")
      assert.equal(await core.run(Store.use((s) => s.vmLocks.holder(vm.id))), undefined, "the lock is free")
    })

    it("G4 parallel edits of one VM: each either succeeds or is refused with vm-busy, and the lock ends free", async () => {
      const vm = await core.run(seedVm(core.world))
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => core.run(setHa(core.world.actors.owner, vm.id, i % 2 === 0))),
      )
      assert.ok(results.some((r) => r.status === "fulfilled"))
      for (const r of results) {
        if (r.status === "rejected") assert.equal((r.reason as RuleViolation).rule, "vm-busy")
      }
      assert.equal(await core.run(Store.use((s) => s.vmLocks.holder(vm.id))), undefined)
    })
  })
}

const url = process.env.TEST_DATABASE_URL
describe("the VM lock across two agents on one PostgreSQL database", {
  skip: url ? false : "TEST_DATABASE_URL not set",
}, () => {
  const name = `hx_test_${randomUUID().replaceAll("-", "").slice(0, 20)}`
  const hostId = randomUUID()
  const agent = (agentHostId: string) => {
    const host: HostConfig["Service"] = {
      hostId: agentHostId,
      storageDir: "/var/lib/hyperx/disks",
      shutdownTimeoutMs: 2000,
      secretKey: randomBytes(32),
    }
    const database = new URL(url ?? "")
    database.pathname = `/${name}`
    const store = Layer.effect(
      Store,
      openDatabase({ dialect: "postgres", url: database.toString() }).pipe(Effect.flatMap(storeOver)),
    )
    return Effect.map(makeFakeDriver({ bootDelayMs: 0, shutdownDelayMs: 0 }), (fake) =>
      ManagedRuntime.make(Layer.merge(coreLayer({ host, drivers: [fake.driver] }), store)),
    )
  }
  type Agent = Effect.Success<ReturnType<typeof agent>>
  let a: Agent | undefined
  let b: Agent | undefined
  let world: World | undefined
  before(async () => {
    await Effect.runPromise(adminQuery(url ?? "", `create database ${name}`))
    a = await Effect.runPromise(agent(hostId))
    // Another host's agent on the same database (a cluster).
    b = await Effect.runPromise(agent(randomUUID()))
    world = await a.runPromise(seedWorld("fake", hostId))
  })
  after(async () => {
    await a?.dispose()
    await b?.dispose()
    await Effect.runPromise(Effect.ignore(adminQuery(url ?? "", `drop database if exists ${name} with (force)`)))
  })
  const live = () => {
    if (a === undefined || b === undefined || world === undefined) throw new Error("used before before()")
    return { a, b, world }
  }

  it("G4 a VM locked by one agent's runner is vm-busy for the other's, and free again once released", async () => {
    const { a, b, world } = live()
    const vm = await a.runPromise(seedVm(world))
    const owner = world.actors.owner
    // Agent A holds the VM's lock (an operation in flight), on its own connection pool.
    const held = await a.runPromise(VmLocks.use((locks) => locks.acquire("snapshot.create", { actor: owner, vm })))
    assert.equal(held.vm.id, vm.id)
    const busy = await refusal(b.runPromise(setHa(owner, vm.id, !vm.haEnabled)))
    assert.equal(busy.rule, "vm-busy")
    assert.equal(busy.operation, "vm.ha")
    assert.equal((await b.runPromise(Store.use((s) => s.vms.get(vm.id)))).haEnabled, vm.haEnabled, "nothing changed")
    await a.runPromise(VmLocks.use((locks) => locks.release(vm.id)))
    const task = await b.runPromise(setHa(owner, vm.id, true))
    assert.equal(task.state, "succeeded")
    // And the other way round: B's runner in flight refuses A's.
    const both = await Promise.allSettled([
      a.runPromise(setHa(owner, vm.id, false)),
      b.runPromise(setHa(owner, vm.id, true)),
      a.runPromise(setHa(owner, vm.id, false)),
      b.runPromise(setHa(owner, vm.id, true)),
    ])
    assert.ok(both.some((r) => r.status === "fulfilled"))
    for (const r of both) if (r.status === "rejected") assert.equal((r.reason as RuleViolation).rule, "vm-busy")
  })

  it("G4 recovery frees the locks an earlier start of this host's agent left (a crash), never another start's", async () => {
    const { a, b, world } = live()
    const vm = await a.runPromise(seedVm(world))
    const stale = `${hostId}:${randomUUID()}`
    await a.runPromise(Store.use((s) => s.vmLocks.claim(vm.id, stale, "vm.start", new Date())))
    const busy = await refusal(a.runPromise(setHa(world.actors.owner, vm.id, true)))
    assert.equal(busy.rule, "vm-busy")
    const heldByB = await b.runPromise(seedVm(world))
    await b.runPromise(VmLocks.use((locks) => locks.acquire("vm.ha", { actor: world.actors.owner, vm: heldByB })))
    const freed = await a.runPromise(VmLocks.use((locks) => locks.releaseStale))
    assert.ok(freed.some((lock) => lock.vmId === vm.id && lock.operation === "vm.start"))
    assert.ok(!freed.some((lock) => lock.vmId === heldByB.id))
    assert.equal(await a.runPromise(Store.use((s) => s.vmLocks.holder(vm.id))), undefined)
    const holderB = await b.runPromise(VmLocks.use((locks) => Effect.succeed(locks.holder)))
    assert.equal(
      await a.runPromise(Store.use((s) => s.vmLocks.holder(heldByB.id))),
      holderB,
      "a live agent's lock stays",
    )
    await b.runPromise(VmLocks.use((locks) => locks.release(heldByB.id)))
    assert.equal((await a.runPromise(setHa(world.actors.owner, vm.id, true))).state, "succeeded")
  })
})
