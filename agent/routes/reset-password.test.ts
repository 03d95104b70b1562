import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Store } from "../../core/index.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { accepted, runningVm, stop } from "../storage/testing.ts"
import { useAgent } from "../testing/harness.ts"

for (const backend of storeBackends) {
  describe(`password reset through the API on ${backend.name} (R11, R6)`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    const reset = (vmId: string, body: unknown) => agent.call("POST", `/api/v1/vms/${vmId}/reset-password`, { body })
    const vmOf = (id: string) => agent.run(Store.use((s) => s.vms.get(id)))

    it("R11 stopped only; a chosen password 6–32 characters mixing cases and digits; refusals change nothing", async () => {
      const { vm } = await runningVm(agent)
      const running = await reset(vm.id, { password: "Secret99" })
      assert.deepEqual([running.status, running.body.error.rule], [409, "stopped-only"])
      await stop(agent, vm.id)
      const before = await vmOf(vm.id)
      for (const password of ["Ab1", "alllower99", "ALLUPPER99", "NoDigitsHere", "A1b".repeat(11)]) {
        const refused = await reset(vm.id, { password })
        assert.deepEqual([refused.status, refused.body.error.rule], [422, "password-format"], password)
      }
      const after = await vmOf(vm.id)
      assert.deepEqual(
        [after.passwordCipher, after.passwordPending, after.version],
        [before.passwordCipher, false, before.version],
      )
    })

    it("R11 SSH-key login refuses a reset (409 ssh-login-no-password-reset)", async () => {
      const { vm } = await runningVm(agent, { loginMethod: "ssh-key" })
      await stop(agent, vm.id)
      const refused = await reset(vm.id, {})
      assert.deepEqual([refused.status, refused.body.error.rule], [409, "ssh-login-no-password-reset"])
    })

    it("R11 R6 random: shown once, stored encrypted, recorded without it, set in the guest at the next start", async () => {
      const { vm } = await runningVm(agent)
      await stop(agent, vm.id)
      const reply = await reset(vm.id, {})
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      const password: string = reply.body.password
      assert.match(password, /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[A-Za-z\d]{6,32}$/)
      assert.equal(reply.body.task.operation, "vm.reset-password")
      assert.ok(!JSON.stringify(reply.body.task).includes(password), "the task never records the password")
      const stored = await vmOf(vm.id)
      assert.ok(stored.passwordCipher !== null && !stored.passwordCipher.includes(password))
      assert.equal(stored.passwordPending, true)
      const shown = await agent.call("POST", `/api/v1/vms/${vm.id}/password`)
      assert.equal(shown.body.password, password)

      await accepted(agent, "POST", `/api/v1/vms/${vm.id}/start`, { body: {} })
      const credentials = await agent.run(agent.fake.simulate.credentials(vm.hostname))
      assert.equal(credentials.passwords.root, password, "the guest's root password is the new one")
      assert.equal((await vmOf(vm.id)).passwordPending, false)
    })

    it("R11 a chosen password is kept as given", async () => {
      const { vm } = await runningVm(agent)
      await stop(agent, vm.id)
      const reply = await reset(vm.id, { password: "Chosen2Go" })
      assert.deepEqual([reply.status, reply.body.password], [200, "Chosen2Go"])
      const detail = await agent.call("GET", `/api/v1/vms/${vm.id}`)
      const action = detail.body.allowedActions.find((a: { action: string }) => a.action === "reset-password")
      assert.equal(action.allowed, true)
    })
  })
}
