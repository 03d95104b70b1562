/**
 * R8 through the core on real QEMU (TCG, the tiny guest): a running VM is cloned while it runs; the clone boots from
 * its own copy of the system disk and of a data disk, holds the files the source wrote before the clone, takes the
 * new password in the guest, and what the source writes afterwards never reaches it.
 */
import assert from "node:assert/strict"
import { randomBytes } from "node:crypto"
import { before, describe, it } from "node:test"
import { Effect } from "effect"
import { useQemuCore } from "../../plugins/qemu/driver/core-testing.ts"
import { guestShell, qemuInstalled, waitForBoot } from "../../plugins/qemu/driver/testing.ts"
import type { Vm } from "../model/vm.ts"
import { Store } from "../store/ports.ts"
import { cloneVm } from "./clone.ts"
import { guestLoginScript } from "./testing/guest-login.ts"

const skip = qemuInstalled() ? false : "qemu-system-x86_64 / qemu-img not installed"

describe("clone through the core on real QEMU (R8)", { skip, timeout: 900_000 }, () => {
  const core = useQemuCore()
  let source: Vm
  const owner = () => core.world.actors.owner
  const sh = (vm: Vm, script: string, ...args: ReadonlyArray<string>) =>
    core.run(guestShell(core.driver, vm.hostname, script, ...args))
  /** The data disk is the guest's second virtio disk; the guest mounts what it boots with under /data*. */
  const dataMount = `mount | awk '$3 ~ /^\\/data/ { print $3; exit }'`

  before(async () => {
    source = await core.createVm({ dataDisksGiB: [1] })
  })

  it("R8 a running VM's clone boots with the source's files on its system and data disks and the new password", async () => {
    const known = randomBytes(24).toString("hex")
    const data = (await sh(source, dataMount)).trim()
    assert.notEqual(data, "", "the source mounted its data disk")
    await sh(source, `printf '%s' "$1" > /system/known && printf '%s' "$1" > "$2/known" && sync`, known, data)

    const handle = await core.run(cloneVm(owner(), source.id, { name: "clone_1", password: "Clone2Go" }))
    assert.equal(handle.password, "Clone2Go")
    const task = await core.complete(Effect.succeed(handle))
    const cloneId = (task.params as { cloneId: string }).cloneId
    const clone = await core.vm(cloneId)
    assert.deepEqual(
      [clone.state, clone.displayName, clone.cpus, clone.memoryMiB, (await core.vm(source.id)).state],
      ["running", "clone_1", source.cpus, source.memoryMiB, "running"],
      "the clone runs with the source's configuration; the source kept running",
    )
    await waitForBoot(core.driver, clone.hostname)
    // what the source writes after the clone stays its own
    await sh(source, `printf after > /system/known && sync`)
    assert.equal(await sh(clone, "cat /system/known"), known, "the clone's system disk holds the source's file")
    assert.equal(await sh(clone, `cat "$(${dataMount})/known"`), known, "and its data disk too")
    assert.equal((await sh(clone, guestLoginScript, "root", "Clone2Go")).trim(), "accepted")
    const [sourceDisks, cloneDisks] = await core.run(
      Store.use((s) => Effect.all([s.disks.list({ vmId: source.id }), s.disks.list({ vmId: cloneId })])),
    )
    assert.equal(cloneDisks.length, 2)
    const paths = new Set(sourceDisks.map((d) => d.path))
    assert.ok(
      cloneDisks.every((d) => !paths.has(d.path) && d.backingPath === null),
      "the clone's disks are files of their own, standalone",
    )
  })
})
