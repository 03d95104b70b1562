import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { useCore } from "../../test-support/core.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { power } from "./power.ts"
import { seedVm } from "./testing/world.ts"

for (const backend of storeBackends) {
  describe(`outside power changes on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend, { watch: true })
    const runningVm = async (overrides = {}) => {
      const vm = await core.run(seedVm(core.world, overrides))
      await core.complete(power(core.world.actors.owner, vm.id, "start"))
      await core.run(core.fake.simulate.awaitEventSubscribers())
      return vm
    }
    const stateOf = async (id: string) => (await core.run(Store.use((s) => s.vms.get(id)))).state

    it("R12 a guest that powers itself off is recorded stopped, then powered on again because HA is on", async () => {
      const vm = await runningVm({ haEnabled: true })
      const recorder = await core.record()
      await core.run(core.fake.simulate.guestPowerOff(vm.hostname))
      await core.eventually(async () =>
        (await stateOf(vm.id)) === "running" && recorder.events.length > 3 ? true : undefined,
      )
      recorder.stop()
      const moves = recorder.events.flatMap((e) =>
        e._tag === "vm-state" && e.vmId === vm.id ? [`${e.cause}:${e.to}`] : [],
      )
      assert.deepEqual(moves, ["outside:stopped", "platform:starting", "platform:running"])
      const restart = recorder.events.find((e) => e._tag === "task" && e.task.vmId === vm.id)
      assert.equal(restart?._tag === "task" ? restart.task.userId : "", "system")
      assert.equal((await core.run(core.fake.driver.inspect(vm.hostname))).power, "running")
    })

    it("R12 with HA off, a guest power-off is only recorded: the VM stays stopped", async () => {
      const vm = await runningVm({ haEnabled: false })
      await core.run(core.fake.simulate.guestPowerOff(vm.hostname))
      await core.eventually(async () => ((await stateOf(vm.id)) === "stopped" ? true : undefined))
      await new Promise((resolve) => setTimeout(resolve, 100))
      assert.equal(await stateOf(vm.id), "stopped")
      assert.equal((await core.run(core.fake.driver.inspect(vm.hostname))).power, "stopped")
    })

    it("a crash the platform did not cause puts a non-HA VM in error with the reason", async () => {
      const vm = await runningVm({ haEnabled: false })
      await core.run(core.fake.simulate.crash(vm.hostname))
      await core.eventually(async () => ((await stateOf(vm.id)) === "error" ? true : undefined))
      const after = await core.run(Store.use((s) => s.vms.get(vm.id)))
      assert.match(after.stateReason, /crashed/)
    })

    it("a VM started outside the platform is recorded as running", async () => {
      const vm = await runningVm({ haEnabled: false })
      await core.complete(power(core.world.actors.owner, vm.id, "stop"))
      await core.run(core.fake.simulate.outsideStart(vm.hostname))
      await core.eventually(async () => ((await stateOf(vm.id)) === "running" ? true : undefined))
    })
  })
}
