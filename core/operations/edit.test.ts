import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { keyringOf } from "../auth/sealing-keys.ts"
import { sealSecret } from "../auth/secrets.ts"
import { RuleViolation } from "../errors.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { deleteVm } from "./delete.ts"
import { renameVm, setDeletionProtection, setHa, setReclaimDate, setRemarks, showPassword } from "./edit.ts"
import { seedVm } from "./testing/world.ts"

const getVm = (id: string) => Store.use((s) => s.vms.get(id))

for (const backend of storeBackends) {
  describe(`record edits on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    const freshVm = (overrides = {}) => core.run(seedVm(core.world, overrides))

    it("R2 rename changes the display name, keeps the hostname, allows duplicates, and is a task", async () => {
      const a = await freshVm()
      const b = await freshVm()
      const task = await core.run(renameVm(core.world.actors.owner, a.id, "支付网关_1"))
      await core.run(renameVm(core.world.actors.owner, b.id, "支付网关_1"))
      assert.equal(task.state, "succeeded")
      assert.equal(task.operation, "vm.rename")
      const after = await core.run(getVm(a.id))
      assert.equal(after.displayName, "支付网关_1")
      assert.equal(after.hostname, a.hostname)
      assert.equal((await core.run(getVm(b.id))).displayName, "支付网关_1")
    })

    it("R2 name-format: an invalid name is refused and nothing changes", async () => {
      const vm = await freshVm()
      const error = await core.run(Effect.flip(renameVm(core.world.actors.owner, vm.id, "bad name!")))
      assert.ok(error instanceof RuleViolation)
      assert.equal(error.rule, "name-format")
      assert.equal((await core.run(getVm(vm.id))).displayName, vm.displayName)
    })

    it("R4 remarks and R12 HA are edited by the owner", async () => {
      const vm = await freshVm()
      await core.run(setRemarks(core.world.actors.owner, vm.id, "backend for orders"))
      await core.run(setHa(core.world.actors.owner, vm.id, false))
      const after = await core.run(getVm(vm.id))
      assert.equal(after.remarks, "backend for orders")
      assert.equal(after.haEnabled, false)
    })

    it("R5 a reclaim date in the past is refused; a future date or 'never' is kept", async () => {
      const vm = await freshVm()
      const past = await core.run(Effect.flip(setReclaimDate(core.world.actors.owner, vm.id, new Date("2020-01-01"))))
      assert.ok(past instanceof RuleViolation)
      assert.equal(past.rule, "reclaim-date-future")
      const future = new Date(Date.now() + 30 * 86_400_000)
      await core.run(setReclaimDate(core.world.actors.owner, vm.id, future))
      assert.equal((await core.run(getVm(vm.id))).reclaimAt?.getTime(), future.getTime())
      await core.run(setReclaimDate(core.world.actors.owner, vm.id, null))
      assert.equal((await core.run(getVm(vm.id))).reclaimAt, null)
    })

    it("R7 deletion protection: only a superadmin switches it; then B4 delete is refused", async () => {
      const vm = await freshVm()
      const byAdmin = await core.run(Effect.flip(setDeletionProtection(core.world.actors.admin, vm.id, true)))
      assert.ok(byAdmin instanceof RuleViolation)
      assert.equal(byAdmin.rule, "superadmin-only")
      await core.run(setDeletionProtection(core.world.actors.superadmin, vm.id, true))
      const refused = await core.run(Effect.flip(deleteVm(core.world.actors.owner, vm.id)))
      assert.ok(refused instanceof RuleViolation)
      assert.equal(refused.rule, "deletion-protected")
    })

    it("R6 show password: decrypted for the owner and recorded as a task without the password", async () => {
      const vm = await freshVm({ passwordCipher: sealSecret(keyringOf(core.host), "Hunter2Go") })
      const { password, task } = await core.run(showPassword(core.world.actors.owner, vm.id))
      assert.equal(password, "Hunter2Go")
      assert.equal(task.operation, "vm.show-password")
      assert.ok(!JSON.stringify(task).includes("Hunter2Go"))
    })

    it("G1 edits to a VM outside the caller's scope are not found", async () => {
      const vm = await freshVm()
      const error = await core.run(Effect.flip(setRemarks(core.world.actors.outsider, vm.id, "x")))
      assert.equal(error._tag, "NotFound")
    })
  })
}
