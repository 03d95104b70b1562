/**
 * R6, R11 through the core on real QEMU (TCG, the tiny guest): a password reset while the VM is stopped is set in the
 * guest at its next start, through the guest agent. The check is the one login makes: the guest's crypt() of the
 * typed password with the salt in /etc/shadow must give the stored hash. The new password passes, the old one fails.
 */
import assert from "node:assert/strict"
import { before, describe, it } from "node:test"
import { useQemuCore } from "../../plugins/qemu/driver/core-testing.ts"
import { guestShell, qemuInstalled, waitForBoot } from "../../plugins/qemu/driver/testing.ts"
import type { Vm } from "../model/vm.ts"
import { resetPassword } from "./password.ts"
import { power } from "./power.ts"
import { guestLoginScript } from "./testing/guest-login.ts"

const skip = qemuInstalled() ? false : "qemu-system-x86_64 / qemu-img not installed"

describe("password reset through the core on real QEMU (R11)", { skip, timeout: 900_000 }, () => {
  const core = useQemuCore()
  let vm: Vm
  const owner = () => core.world.actors.owner
  const tryLogin = async (password: string) =>
    (await core.run(guestShell(core.driver, vm.hostname, guestLoginScript, "root", password))).trim()
  const resetAndStart = async (password: string | null) => {
    await core.complete(power(owner(), vm.id, "stop"))
    const reset = await core.run(resetPassword(owner(), vm.id, password))
    await core.complete(power(owner(), vm.id, "start"))
    await waitForBoot(core.driver, vm.hostname)
    assert.equal((await core.vm(vm.id)).passwordPending, false, "the start set the pending password")
    return reset.password
  }

  before(async () => {
    vm = await core.createVm({ password: "Created2Go" })
  })

  it("R6 the password given at create logs in once the create is done; another does not", async () => {
    assert.equal((await core.vm(vm.id)).passwordPending, false, "the create's start set it")
    assert.equal(await tryLogin("Created2Go"), "accepted")
    assert.equal(await tryLogin("Wrong2Go"), "refused")
  })

  it("R11 a chosen password logs in after the next start; a random one then replaces it and the old one fails", async () => {
    const chosen = await resetAndStart("Chosen2Go")
    assert.equal(await tryLogin(chosen), "accepted")
    assert.equal(await tryLogin("Wrong2Go"), "refused")

    const random = await resetAndStart(null)
    assert.notEqual(random, chosen)
    assert.equal(await tryLogin(random), "accepted")
    assert.equal(await tryLogin(chosen), "refused", "the old password no longer logs in")
  })
})
