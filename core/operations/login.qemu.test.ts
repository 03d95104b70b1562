/**
 * R13, X5 through the core on real QEMU (TCG, the tiny guest): a VM switched to SSH-key login while stopped has its
 * key pair's public key in root's authorized_keys once it runs again (written by the guest agent), and refuses a
 * password reset; a key set later (X5) replaces it at the next start, and two keys set together are both there.
 */
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { useQemuCore } from "../../plugins/qemu/driver/core-testing.ts"
import { guestShell, qemuInstalled, waitForBoot } from "../../plugins/qemu/driver/testing.ts"
import { createKeyPair } from "./key-pairs.ts"
import { changeLoginMethod, setSshKeys } from "./login.ts"
import { resetPassword } from "./password.ts"
import { power } from "./power.ts"

const skip = qemuInstalled() ? false : "qemu-system-x86_64 / qemu-img not installed"

describe("login by SSH key through the core on real QEMU (R13, X5)", { skip, timeout: 900_000 }, () => {
  const core = useQemuCore()
  const owner = () => core.world.actors.owner

  it("R13 X5 the key pair's public key is in the guest's authorized_keys after the next start; a new key replaces it; two keys are both there", async () => {
    const vm = await core.createVm()
    const first = await core.run(createKeyPair(owner(), { name: "laptop" }))
    const second = await core.run(createKeyPair(owner(), { name: "desktop" }))
    await core.complete(power(owner(), vm.id, "stop"))
    await core.run(changeLoginMethod(owner(), vm.id, { method: "ssh-key", keyPairId: first.keyPair.id }))
    await assert.rejects(core.run(resetPassword(owner(), vm.id, null)), { rule: "ssh-login-no-password-reset" })
    await core.complete(power(owner(), vm.id, "start"))
    await waitForBoot(core.driver, vm.hostname)
    const keys = () => core.run(guestShell(core.driver, vm.hostname, "cat /root/.ssh/authorized_keys"))
    assert.deepEqual((await keys()).trim().split("\n"), [first.keyPair.publicKey])

    await assert.rejects(core.run(setSshKeys(owner(), vm.id, [second.keyPair.id])), { rule: "stopped-only" })
    await core.complete(power(owner(), vm.id, "stop"))
    await core.run(setSshKeys(owner(), vm.id, [second.keyPair.id]))
    await core.complete(power(owner(), vm.id, "start"))
    await waitForBoot(core.driver, vm.hostname)
    assert.deepEqual((await keys()).trim().split("\n"), [second.keyPair.publicKey], "the new key replaced the old")

    // X5: several key pairs at once, all in the guest
    await core.complete(power(owner(), vm.id, "stop"))
    await core.run(setSshKeys(owner(), vm.id, [second.keyPair.id, first.keyPair.id]))
    await core.complete(power(owner(), vm.id, "start"))
    await waitForBoot(core.driver, vm.hostname)
    assert.deepEqual(
      [...(await keys()).trim().split("\n")].sort(),
      [first.keyPair.publicKey, second.keyPair.publicKey].sort(),
      "both keys",
    )
  })
})
