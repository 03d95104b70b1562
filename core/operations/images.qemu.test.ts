/**
 * K3 and K2 through the core on real QEMU (TCG, the tiny guest), one chain of guests: an image made from a stopped
 * VM boots a new VM that holds the source's files; that VM, reinstalled from the catalogue's image, boots a fresh
 * system disk (the files of its old one gone), keeps its data disk's files, and has no snapshots left.
 */
import assert from "node:assert/strict"
import { randomBytes } from "node:crypto"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useQemuCore } from "../../plugins/qemu/driver/core-testing.ts"
import { guestShell, qemuInstalled, waitForBoot } from "../../plugins/qemu/driver/testing.ts"
import type { Vm } from "../model/vm.ts"
import { Store } from "../store/ports.ts"
import { createVms } from "./create.ts"
import { createImage } from "./create-image.ts"
import { power } from "./power.ts"
import { reinstallVm } from "./reinstall.ts"
import { createSnapshot } from "./snapshots/create.ts"

const skip = qemuInstalled() ? false : "qemu-system-x86_64 / qemu-img not installed"

describe("images from VMs and reinstall through the core on real QEMU (K3, K2)", { skip, timeout: 900_000 }, () => {
  const core = useQemuCore()
  const owner = () => core.world.actors.owner
  const sh = (vm: Vm, script: string, ...args: ReadonlyArray<string>) =>
    core.run(guestShell(core.driver, vm.hostname, script, ...args))
  const known = randomBytes(24).toString("hex")
  let imageId = ""
  let fromImage: Vm

  it("K3 an image of a stopped VM: refused while running; a VM created from it boots with the source's file", async () => {
    const source = await core.createVm()
    await sh(source, `printf '%s' "$1" > /system/known && sync`, known)
    await assert.rejects(core.run(createImage(owner(), source.id, "golden")), { rule: "stopped-only" })
    await core.complete(power(owner(), source.id, "stop"))
    const task = await core.complete(createImage(owner(), source.id, "golden"))
    imageId = (task.params as { imageId: string }).imageId
    const image = await core.run(Store.use((s) => s.images.get(imageId)))
    assert.deepEqual(
      [image.name, image.departmentId, image.sourceVmId, image.sizeBytes > 0],
      ["golden", source.departmentId, source.id, true],
    )
    const [handle] = await core.run(
      createVms(owner(), {
        count: 1,
        name: "from_golden",
        imageId,
        flavorId: core.world.flavor.id,
        dataDisks: [{ sizeGiB: 1 }],
        start: true,
      }),
    )
    const made = await core.complete(Effect.succeed(handle as never))
    fromImage = await core.vm(made.vmId ?? "")
    await waitForBoot(core.driver, fromImage.hostname)
    assert.equal(await sh(fromImage, "cat /system/known"), known, "the new VM holds the source's file")
  })

  it("K2 reinstall: a fresh system disk from the image, the data disk's files kept, the snapshots removed", async () => {
    const kept = randomBytes(24).toString("hex")
    await sh(fromImage, `printf '%s' "$1" > /data/kept && sync`, kept)
    await core.complete(createSnapshot(owner(), fromImage.id, { name: "before" }))
    const reinstall = () => reinstallVm(owner(), fromImage.id, core.world.image.id)
    await core.complete(power(owner(), fromImage.id, "stop"))
    await assert.rejects(core.run(reinstall()), { rule: "running-only" })
    await core.complete(power(owner(), fromImage.id, "start"))
    await waitForBoot(core.driver, fromImage.hostname)
    const task = await core.complete(reinstall())
    assert.deepEqual(task.result, { imageId: core.world.image.id, snapshotsRemoved: 1 })
    const after = await core.vm(fromImage.id)
    assert.deepEqual([after.state, after.imageId], ["running", core.world.image.id])
    await waitForBoot(core.driver, fromImage.hostname)
    assert.equal(
      (await sh(fromImage, "[ -e /system/known ] && echo old || echo fresh")).trim(),
      "fresh",
      "the old system disk's file is gone",
    )
    assert.equal(await sh(fromImage, "cat /data/kept"), kept, "the data disk kept its file")
    assert.equal((await core.run(Store.use((s) => s.snapshots.list({ vmId: fromImage.id })))).length, 0)
  })
})
