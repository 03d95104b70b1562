import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { Store } from "../../core/index.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"

for (const backend of storeBackends) {
  describe(`VM actions on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    const power = async (name: string) =>
      (await agent.run(agent.fake.driver.inspect(name).pipe(Effect.option))).pipe((o) =>
        o._tag === "Some" ? o.value.power : "missing",
      )
    const act = async (vmId: string, action: string, body?: unknown) => {
      const reply = await agent.call("POST", `/api/v1/vms/${vmId}/${action}`, body === undefined ? {} : { body })
      assert.equal(reply.status, 202, JSON.stringify(reply.body))
      return agent.settle(reply.body.task.id)
    }

    it("B2 B1 start then stop: 202 with the task; the hypervisor runs, then stops the VM", async () => {
      const vm = await agent.seedVm()
      const started = await act(vm.id, "start")
      assert.deepEqual([started.operation, started.state], ["vm.start", "succeeded"])
      assert.equal(await power(vm.hostname), "running")
      const stopped = await act(vm.id, "stop", { detachDevices: true })
      assert.deepEqual([stopped.operation, stopped.state], ["vm.stop", "succeeded"])
      assert.equal(await power(vm.hostname), "stopped")
    })

    it("B1 force stop cuts power even when the guest ignores ACPI; B3 reboot and force reboot", async () => {
      const vm = await agent.seedVm()
      await act(vm.id, "start")
      for (const force of [false, true]) {
        const rebooted = await act(vm.id, "reboot", { force })
        assert.equal(rebooted.operation, force ? "vm.force-reboot" : "vm.reboot")
        assert.equal(rebooted.state, "succeeded")
      }
      await agent.run(agent.fake.simulate.ignoreAcpi(vm.hostname))
      const forced = await act(vm.id, "stop", { force: true })
      assert.deepEqual([forced.operation, forced.state], ["vm.force-stop", "succeeded"])
      assert.equal(await power(vm.hostname), "stopped")
    })

    it("B2 starting a running VM is 409 lifecycle-state, in Chinese on request, and adds no task", async () => {
      const vm = await agent.seedVm()
      await act(vm.id, "start")
      const tasksBefore = (await agent.run(Store.use((s) => s.tasks.list({ vmId: vm.id })))).length
      const refused = await agent.call("POST", `/api/v1/vms/${vm.id}/start`, { lang: "zh-Hans" })
      assert.equal(refused.status, 409)
      assert.deepEqual(refused.body.error, {
        code: "conflict",
        rule: "lifecycle-state",
        message: "虚拟机处于“运行”状态，不能开机",
      })
      assert.equal((await agent.run(Store.use((s) => s.tasks.list({ vmId: vm.id })))).length, tasksBefore)
      const english = await agent.call("POST", `/api/v1/vms/${vm.id}/start`)
      assert.equal(english.body.error.message, "Cannot start a VM that is running")
    })

    it("B1 B2 a VM in error: a user may not power it (403 error-admin-only); an admin may", async () => {
      const vm = await agent.seedVm({ state: "error", stateReason: "crashed" })
      const refused = await agent.call("POST", `/api/v1/vms/${vm.id}/start`)
      assert.equal(refused.status, 403)
      assert.equal(refused.body.error.rule, "error-admin-only")
      const reply = await agent.call("POST", `/api/v1/vms/${vm.id}/start`, { as: "admin" })
      assert.equal(reply.status, 202)
      assert.equal((await agent.settle(reply.body.task.id)).state, "succeeded")
    })

    it("an action's body is optional but strict: unknown or mistyped options are 400 and nothing runs", async () => {
      const vm = await agent.seedVm()
      for (const [action, body] of [
        ["start", { force: true }],
        ["stop", { force: "yes" }],
        ["reboot", { detachDevices: true }],
        // R9 H2: the disk copy's deadline is a whole number of seconds, from 1 s to a week
        ["migrate", { diskSyncTimeoutSeconds: 0 }],
        ["migrate", { diskSyncTimeoutSeconds: 1.5 }],
        ["migrate", { diskSyncTimeoutSeconds: "60" }],
        ["migrate", { diskSyncTimeoutSeconds: 7 * 24 * 3600 + 1 }],
      ] as const) {
        const reply = await agent.call("POST", `/api/v1/vms/${vm.id}/${action}`, { body })
        assert.equal(reply.status, 400, action)
      }
      // a deadline in range passes validation: this VM is stopped, so the catalogue's rule refuses it
      const inRange = await agent.call("POST", `/api/v1/vms/${vm.id}/migrate`, {
        as: "superadmin",
        body: { diskSyncTimeoutSeconds: 3600 },
      })
      assert.deepEqual([inRange.status, inRange.body.error.rule], [409, "lifecycle-state"])
      assert.equal((await agent.run(Store.use((s) => s.tasks.list({ vmId: vm.id })))).length, 0)
    })

    it("R6 show password: the VM's password, each reading recorded as a task", async () => {
      const created = await agent.call("POST", "/api/v1/vms", {
        body: {
          imageId: agent.world.image.id,
          flavorId: agent.world.flavor.id,
          name: "pw_vm",
          password: "Secret123x",
          start: false,
        },
      })
      await agent.settle(created.body.tasks[0].id)
      const vmId = created.body.vmIds[0]
      const shown = await agent.call("POST", `/api/v1/vms/${vmId}/password`)
      assert.equal(shown.status, 200)
      assert.equal(shown.body.password, "Secret123x")
      assert.equal(shown.body.task.operation, "vm.show-password")
      assert.ok(!JSON.stringify(shown.body.task).includes("Secret123x"), "the record never holds the password")
      const outsider = await agent.call("POST", `/api/v1/vms/${vmId}/password`, { as: "outsider" })
      assert.equal(outsider.status, 404)
    })
  })
}
