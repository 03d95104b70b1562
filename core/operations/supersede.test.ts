import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { NotFound, RuleViolation } from "../errors.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { allowedActions } from "./allowed-actions.ts"
import { power } from "./power.ts"
import { seedVm } from "./testing/world.ts"
import { loadVisibleVmDetail } from "./vm-context.ts"

const getVm = (id: string) => Store.use((s) => s.vms.get(id))

for (const backend of storeBackends) {
  describe(`a forced stop or reboot cuts a graceful one short (B1 B3) on ${backend.name}`, {
    skip: backend.skip,
  }, () => {
    // The host waits ten minutes for a guest to power off: a test that passes did not wait for it.
    const core = useCore(backend, { shutdownTimeoutMs: 600_000 })
    const owner = () => core.world.actors.owner

    /** A running VM whose guest ignores the ACPI button, with a graceful stop waiting on it. */
    const waitingStop = async () => {
      const vm = await core.run(seedVm(core.world))
      await core.complete(power(owner(), vm.id, "start"))
      await core.run(core.fake.simulate.ignoreAcpi(vm.hostname))
      const graceful = await core.run(power(owner(), vm.id, "stop"))
      assert.equal((await core.run(getVm(vm.id))).state, "stopping")
      return { vm, graceful }
    }
    const driverPower = async (name: string) => (await core.run(core.fake.driver.inspect(name))).power

    it("B1 a force stop while a graceful stop waits on the guest cuts power at once; the graceful task is cancelled", async () => {
      const { vm, graceful } = await waitingStop()
      const recorder = await core.record()
      const forced = await core.complete(power(owner(), vm.id, "force-stop"))
      recorder.stop()
      assert.equal(forced.state, "succeeded")
      const cut = await core.run(graceful.done)
      assert.equal(cut.state, "failed")
      assert.equal(cut.error?.code, "cancelled")
      assert.match(cut.error?.message ?? "", /vm\.force-stop/)
      assert.equal((await core.run(getVm(vm.id))).state, "stopped")
      assert.equal(await driverPower(vm.hostname), "stopped")
      const moves = recorder.events.flatMap((e) => (e._tag === "vm-state" && e.vmId === vm.id ? [e.to] : []))
      assert.deepEqual(moves, ["running", "stopping", "stopped"], "back where the graceful stop found it, then forced")
    })

    it("B3 a force reboot while a graceful stop waits cuts it short and reboots: the VM ends running", async () => {
      const { vm, graceful } = await waitingStop()
      const forced = await core.complete(power(owner(), vm.id, "force-reboot"))
      assert.equal(forced.state, "succeeded")
      assert.equal((await core.run(graceful.done)).error?.code, "cancelled")
      assert.equal((await core.run(getVm(vm.id))).state, "running")
      assert.equal(await driverPower(vm.hostname), "running")
    })

    it("G1 L7 a forced stop refused for another reason cuts nothing short: outside the caller's scope, or its own rule", async () => {
      const { vm, graceful } = await waitingStop()
      const outside = await core.run(Effect.flip(power(core.world.actors.outsider, vm.id, "force-stop")))
      assert.ok(outside instanceof NotFound)
      const inBatch = await core.run(
        Effect.flip(power(owner(), vm.id, "force-stop", { batch: true, detachDevices: true })),
      )
      assert.ok(inBatch instanceof RuleViolation)
      assert.equal(inBatch.rule, "detach-devices-single-stop")
      assert.equal((await core.run(getVm(vm.id))).state, "stopping", "the graceful stop still waits")
      const task = await core.run(Store.use((s) => s.tasks.get(graceful.task.id)))
      assert.equal(task.state, "running")
      // Tidy: the owner's forced stop ends the wait.
      await core.complete(power(owner(), vm.id, "force-stop"))
      assert.equal((await core.run(graceful.done)).error?.code, "cancelled")
    })

    it("B1 B3 the VM's actions offer the forced stop and reboot while a graceful stop waits, as the call answers", async () => {
      const { vm } = await waitingStop()
      const offered = await core.run(
        Effect.gen(function* () {
          const { preview } = yield* loadVisibleVmDetail(owner(), vm.id)
          return yield* allowedActions(preview.context, { lang: "en", ...preview })
        }),
      )
      const verdict = (action: string) => {
        const found = offered.find((a) => a.action === action)
        return found?.allowed === true ? "allowed" : found?.rule
      }
      assert.deepEqual(["force-stop", "force-reboot", "stop", "reboot", "start"].map(verdict), [
        "allowed",
        "allowed",
        "vm-busy",
        "vm-busy",
        "vm-busy",
      ])
      await core.complete(power(owner(), vm.id, "force-stop"))
    })

    it("G4 a graceful stop while another graceful stop waits is still refused vm-busy", async () => {
      const { vm } = await waitingStop()
      const again = await core.run(Effect.flip(power(core.world.actors.admin, vm.id, "stop")))
      assert.ok(again instanceof RuleViolation)
      assert.equal(again.rule, "vm-busy")
      await core.complete(power(owner(), vm.id, "force-stop"))
    })
  })
}
