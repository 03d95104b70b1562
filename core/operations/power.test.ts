import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect, Exit, Fiber, Stream } from "effect"
import { useCore } from "../../test-support/core.ts"
import { HypervisorFailure } from "../driver/errors.ts"
import { RuleViolation } from "../errors.ts"
import { EventBus } from "../events/bus.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { power } from "./power.ts"
import { seedVm } from "./testing/world.ts"

const getVm = (id: string) => Store.use((s) => s.vms.get(id))
for (const backend of storeBackends) {
  describe(`power operations on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    const freshVm = (overrides = {}) => core.run(seedVm(core.world, overrides))
    const driverPower = async (name: string) =>
      (await core.run(core.fake.driver.inspect(name).pipe(Effect.option))).pipe((o) =>
        o._tag === "Some" ? o.value.power : "missing",
      )

    it("B2 start: stopped → starting → running, the hypervisor runs it, the task records who, what and when", async () => {
      const vm = await freshVm()
      const recorder = await core.record()
      const task = await core.complete(power(core.world.actors.owner, vm.id, "start"))
      recorder.stop()
      assert.equal(task.state, "succeeded")
      assert.equal(task.operation, "vm.start")
      assert.equal(task.userId, core.world.users.owner.id)
      assert.ok(task.startedAt && task.finishedAt && task.finishedAt >= task.startedAt)
      assert.equal((await core.run(getVm(vm.id))).state, "running")
      assert.equal(await driverPower(vm.hostname), "running")
      const moves = recorder.events.flatMap((e) =>
        e._tag === "vm-state" && e.vmId === vm.id ? [`${e.from}>${e.to}`] : [],
      )
      assert.deepEqual(moves, ["stopped>starting", "starting>running"])
      const taskStates = recorder.events.flatMap((e) =>
        e._tag === "task" && e.task.id === task.id ? [e.task.state] : [],
      )
      assert.deepEqual(taskStates, ["running", "succeeded"])
    })

    it("B1 stop: a running VM is shut down gracefully and ends stopped", async () => {
      const vm = await freshVm()
      await core.complete(power(core.world.actors.owner, vm.id, "start"))
      const task = await core.complete(power(core.world.actors.owner, vm.id, "stop"))
      assert.equal(task.state, "succeeded")
      assert.equal((await core.run(getVm(vm.id))).state, "stopped")
      assert.equal(await driverPower(vm.hostname), "stopped")
    })

    it("B1 force stop: cuts power at once even when the guest ignores ACPI", async () => {
      const vm = await freshVm()
      await core.complete(power(core.world.actors.owner, vm.id, "start"))
      await core.run(core.fake.simulate.ignoreAcpi(vm.hostname))
      const task = await core.complete(power(core.world.actors.owner, vm.id, "force-stop"))
      assert.equal(task.state, "succeeded")
      assert.equal(await driverPower(vm.hostname), "stopped")
    })

    it("B3 reboot and force reboot: the VM passes through rebooting and is running again", async () => {
      const vm = await freshVm()
      await core.complete(power(core.world.actors.owner, vm.id, "start"))
      for (const kind of ["reboot", "force-reboot"] as const) {
        const recorder = await core.record()
        const task = await core.complete(power(core.world.actors.owner, vm.id, kind))
        recorder.stop()
        assert.equal(task.state, "succeeded", kind)
        const moves = recorder.events.flatMap((e) => (e._tag === "vm-state" && e.vmId === vm.id ? [e.to] : []))
        assert.deepEqual(moves, ["rebooting", "running"], kind)
      }
      assert.equal(await driverPower(vm.hostname), "running")
    })

    it("B2 lifecycle-state: starting a running VM is refused with the rule's name and changes nothing", async () => {
      const vm = await freshVm()
      await core.complete(power(core.world.actors.owner, vm.id, "start"))
      const before = await core.run(getVm(vm.id))
      const tasksBefore = await core.run(Store.use((s) => s.tasks.list({ vmId: vm.id })))
      const error = await core.run(Effect.flip(power(core.world.actors.owner, vm.id, "start")))
      assert.ok(error instanceof RuleViolation)
      assert.equal(error.rule, "lifecycle-state")
      assert.equal(error.kind, "conflict")
      assert.match(error.messageZh, /运行/)
      const after = await core.run(getVm(vm.id))
      assert.equal(after.version, before.version)
      const tasksAfter = await core.run(Store.use((s) => s.tasks.list({ vmId: vm.id })))
      assert.equal(tasksAfter.length, tasksBefore.length)
    })

    it("G4 vm-busy: a second operation while the first is in flight is refused; the first still completes", async () => {
      const vm = await freshVm()
      await core.run(core.fake.faults.hang("start"))
      const handle = await core.run(power(core.world.actors.owner, vm.id, "start"))
      assert.equal((await core.run(getVm(vm.id))).state, "starting")
      for (const kind of ["stop", "force-stop", "start"] as const) {
        const error = await core.run(Effect.flip(power(core.world.actors.admin, vm.id, kind)))
        assert.ok(error instanceof RuleViolation, kind)
        assert.equal(error.rule, "vm-busy", kind)
      }
      await core.run(core.fake.faults.release("start"))
      const task = await core.run(handle.done)
      assert.equal(task.state, "succeeded")
      assert.equal((await core.run(getVm(vm.id))).state, "running")
    })

    it("G4 whoever sees a VM settle may act on it at once: a stop sent on the event of its start is accepted", async () => {
      const vm = await freshVm()
      // The VM's new state, its lock freed and its task's outcome are written together, before either is announced:
      // a portal that stops the VM as soon as it shows "running" must not be refused vm-busy.
      const { started, stop } = await core.run(
        Effect.scoped(
          Effect.gen(function* () {
            const bus = yield* EventBus
            const events = yield* bus.subscribe
            const reaction = yield* events.pipe(
              Stream.filter((e) => e._tag === "vm-state" && e.vmId === vm.id && e.to === "running"),
              Stream.take(1),
              Stream.mapEffect(() => Effect.exit(power(core.world.actors.owner, vm.id, "stop"))),
              Stream.runHead,
              Effect.forkScoped,
            )
            const started = yield* Effect.flatMap(power(core.world.actors.owner, vm.id, "start"), (h) => h.done)
            const stop = yield* Fiber.join(reaction)
            return { started, stop }
          }),
        ),
      )
      assert.equal(started.state, "succeeded")
      assert.ok(stop._tag === "Some" && Exit.isSuccess(stop.value), `the stop was refused: ${JSON.stringify(stop)}`)
      const stopped = await core.run(stop.value.value.done)
      assert.equal(stopped.state, "succeeded")
      assert.equal((await core.run(getVm(vm.id))).state, "stopped")
    })

    it("G4 a driver failure that changed nothing leaves the VM where it was, with the reason on the task", async () => {
      const vm = await freshVm()
      await core.run(
        core.fake.faults.failNext("start", 1, new HypervisorFailure({ message: "no memory", retryable: true })),
      )
      const task = await core.complete(power(core.world.actors.owner, vm.id, "start"))
      assert.equal(task.state, "failed")
      assert.equal(task.error?.code, "hypervisor-error")
      assert.match(task.error?.message ?? "", /no memory/)
      const after = await core.run(getVm(vm.id))
      assert.equal(after.state, "stopped")
      assert.match(after.stateReason, /no memory/)
    })

    it("G4 a failed force stop puts the VM in error with the reason; an admin can force it off again", async () => {
      const vm = await freshVm()
      await core.complete(power(core.world.actors.owner, vm.id, "start"))
      await core.run(core.fake.faults.failNext("shutdown", 1))
      const failed = await core.complete(power(core.world.actors.owner, vm.id, "force-stop"))
      assert.equal(failed.state, "failed")
      assert.equal((await core.run(getVm(vm.id))).state, "error")
      const byOwner = await core.run(Effect.flip(power(core.world.actors.owner, vm.id, "force-stop")))
      assert.ok(byOwner instanceof RuleViolation)
      assert.equal(byOwner.rule, "error-admin-only")
      const repaired = await core.complete(power(core.world.actors.admin, vm.id, "force-stop"))
      assert.equal(repaired.state, "succeeded")
      assert.equal((await core.run(getVm(vm.id))).state, "stopped")
    })

    it("G1 a VM outside the caller's scope is not found, whoever asks and whatever it is", async () => {
      const vm = await freshVm()
      const error = await core.run(Effect.flip(power(core.world.actors.outsider, vm.id, "start")))
      assert.equal(error._tag, "NotFound")
      const missing = await core.run(Effect.flip(power(core.world.actors.outsider, "no-such-vm", "start")))
      assert.equal(missing._tag, "NotFound")
      assert.equal((await core.run(getVm(vm.id))).state, "stopped")
    })
  })
}
