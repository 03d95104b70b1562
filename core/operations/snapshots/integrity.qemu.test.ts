/**
 * P1 P4 Snapshot integrity through the core on real QEMU (TCG, the tiny guest): what the guest wrote before a
 * snapshot is what it reads after a rollback, byte for byte; a memory snapshot brings back a running process.
 */
import assert from "node:assert/strict"
import { randomBytes } from "node:crypto"
import { before, describe, it } from "node:test"
import { useQemuCore } from "../../../plugins/qemu/driver/core-testing.ts"
import {
  qemuInstalled,
  readInGuest,
  serialLog,
  waitForBoot,
  waitUntil,
  writeInGuest,
} from "../../../plugins/qemu/driver/testing.ts"
import { heartbeatsIn } from "../../../plugins/qemu/guest/recipe.ts"
import type { Vm } from "../../model/vm.ts"
import { power } from "../power.ts"
import { createSnapshot } from "./create.ts"
import { rollbackSnapshot } from "./rollback.ts"

const skip = qemuInstalled() ? false : "qemu-system-x86_64 / qemu-img not installed"

describe("snapshot integrity through the core on real QEMU", { skip, timeout: 600_000 }, () => {
  const core = useQemuCore()
  let vm: Vm
  const owner = () => core.world.actors.owner
  const beats = () => heartbeatsIn(serialLog(core.driver, vm.hostname))
  const write = (path: string, data: string | Uint8Array) =>
    core.run(writeInGuest(core.driver, vm.hostname, path, data))
  const read = (path: string) => core.run(readInGuest(core.driver, vm.hostname, path))
  const snapshot = async (withMemory: boolean) => {
    const task = await core.complete(createSnapshot(owner(), vm.id, { withMemory }))
    return task.result as { readonly snapshotId: string; readonly quiesce: string }
  }
  /** P4: a rollback needs a stopped VM; the core then starts it again. */
  const rollBack = async (snapshotId: string) => {
    await core.complete(power(owner(), vm.id, "force-stop"))
    await core.complete(rollbackSnapshot(owner(), vm.id, snapshotId))
    await core.complete(power(owner(), vm.id, "start"))
  }

  before(async () => {
    vm = await core.createVm()
  })

  it("P1 P4 write known data, snapshot, overwrite, roll back: the data reads back identical", async () => {
    const known = randomBytes(512 * 1024)
    await write("/system/integrity.bin", known)
    const taken = await snapshot(false)
    assert.equal(taken.quiesce, "frozen", "a disk-only snapshot of a running VM is taken with its file systems frozen")
    await write("/system/integrity.bin", randomBytes(512 * 1024))
    await write("/system/after-snapshot", "gone after the rollback")
    await rollBack(taken.snapshotId)
    await waitForBoot(core.driver, vm.hostname)
    assert.ok((await read("/system/integrity.bin")).equals(known), "the rolled-back file differs from what was written")
    await assert.rejects(read("/system/after-snapshot"), "a file written after the snapshot is gone")
  })

  it("P1 P4 a memory snapshot resumes a running guest process: the heartbeat continues from the snapshot's value", async () => {
    await waitUntil("two heartbeats", () => beats().length >= 2)
    await write("/tmp/in-ram", "kept in guest memory")
    const before = beats().at(-1) ?? 0
    const taken = await snapshot(true)
    const after = beats().at(-1) ?? 0
    assert.equal(taken.quiesce, "not-requested", "a guest saved frozen would resume frozen")
    await write("/tmp/in-ram", "changed after the snapshot")
    await waitUntil("the guest to run on past the snapshot", () => (beats().at(-1) ?? 0) > after + 3)
    await rollBack(taken.snapshotId)
    await waitUntil("heartbeats after the resume", () => beats().length > 0)
    const resumed = beats()[0] ?? 0
    assert.ok(
      resumed > before && resumed <= after + 1,
      `resumed at heartbeat ${resumed}; the snapshot was taken between ${before} and ${after}`,
    )
    assert.doesNotMatch(serialLog(core.driver, vm.hostname), /hyperx-guest: booted/, "the guest resumed, not booted")
    assert.equal((await read("/tmp/in-ram")).toString(), "kept in guest memory")
  })
})
