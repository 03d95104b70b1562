/**
 * V4 Backup integrity through the core on real QEMU (TCG, the tiny guest): full and incremental backups of a data
 * disk, taken running (frozen) and stopped, restore into new disks that read back byte for byte what the guest wrote.
 */
import assert from "node:assert/strict"
import { randomBytes } from "node:crypto"
import { before, describe, it } from "node:test"
import { diskNames } from "../../../plugins/qemu/argv/names.ts"
import { useQemuCore } from "../../../plugins/qemu/driver/core-testing.ts"
import {
  guestShell,
  mountDiskBySerial,
  qemuInstalled,
  readInGuest,
  waitForBoot,
  writeInGuest,
} from "../../../plugins/qemu/driver/testing.ts"
import type { DiskSpec } from "../../driver/spec.ts"
import type { Disk } from "../../model/storage.ts"
import type { Vm } from "../../model/vm.ts"
import { Store } from "../../store/ports.ts"
import { power } from "../power.ts"
import { backupDisk } from "./backup.ts"
import { restoreBackup } from "./restore.ts"

const skip = qemuInstalled() ? false : "qemu-system-x86_64 / qemu-img not installed"

interface Made {
  readonly backupId: string
  readonly kind: "full" | "incremental"
  readonly quiesce: string
}

describe("backup integrity through the core on real QEMU", { skip, timeout: 600_000 }, () => {
  const core = useQemuCore()
  let vm: Vm
  let data: Disk
  const owner = () => core.world.actors.owner
  const write = (path: string, bytes: Uint8Array) => core.run(writeInGuest(core.driver, vm.hostname, path, bytes))
  const backup = async () => (await core.complete(backupDisk(owner(), vm.id, data.id))).result as Made
  const restore = async (backupId: string) => {
    const task = await core.complete(restoreBackup(owner(), backupId))
    return core.run(Store.use((store) => store.disks.get((task.result as { readonly diskId: string }).diskId)))
  }
  /**
   * The files on a restored disk (undefined where missing). The core has no attach operation yet (V1): the disk is
   * hot-plugged with the driver, mounted, read, then unmounted and detached again.
   */
  const filesOn = async (disk: Disk, files: ReadonlyArray<string>) => {
    const spec: DiskSpec = {
      id: disk.id,
      role: "data",
      path: disk.path,
      format: disk.format,
      bus: "virtio",
      readonly: false,
    }
    await core.run(core.driver.disks.attach(vm.hostname, spec))
    const mountpoint = `/mnt/${disk.id}`
    await core.run(mountDiskBySerial(core.driver, vm.hostname, diskNames(disk.id).serial, mountpoint))
    try {
      const found: Array<Buffer | undefined> = []
      for (const file of files) {
        const path = `${mountpoint}/${file}`
        const there = await core.run(guestShell(core.driver, vm.hostname, '[ -e "$1" ] && echo yes || echo no', path))
        found.push(there.trim() === "yes" ? await core.run(readInGuest(core.driver, vm.hostname, path)) : undefined)
      }
      return found
    } finally {
      await core.run(guestShell(core.driver, vm.hostname, 'umount "$1"', mountpoint))
      await core.run(core.driver.disks.detach(vm.hostname, disk.id))
    }
  }

  before(async () => {
    vm = await core.createVm({ dataDisksGiB: [1] })
    const disks = await core.run(Store.use((store) => store.disks.list({ vmId: vm.id })))
    const found = disks.find((disk) => disk.role === "data")
    assert.ok(found, "the VM has its data disk")
    data = found
    await core.run(guestShell(core.driver, vm.hostname, 'grep -q " /data " /proc/mounts'))
  })

  it("V4 full + incremental backups, running and stopped, restore into new disks that read back identical", async () => {
    const first = randomBytes(384 * 1024)
    const second = randomBytes(384 * 1024)
    const added = randomBytes(64 * 1024)
    await write("/data/blob", first)
    const full = await backup()
    assert.deepEqual([full.kind, full.quiesce], ["full", "frozen"])
    await write("/data/blob", second)
    await write("/data/added", added)
    const increment = await backup()
    assert.deepEqual([increment.kind, increment.quiesce], ["incremental", "frozen"])

    // A stopped VM's disk backs up too: the bitmap QEMU kept is in the image after its exit.
    await core.complete(power(owner(), vm.id, "stop"))
    const stopped = await backup()
    assert.deepEqual([stopped.kind, stopped.quiesce], ["incremental", "not-running"])
    await core.complete(power(owner(), vm.id, "start"))
    await waitForBoot(core.driver, vm.hostname)

    const fromFull = await restore(full.backupId)
    const fromIncrement = await restore(increment.backupId)
    const fromStopped = await restore(stopped.backupId)
    assert.equal(fromIncrement.vmId, null, "a restore makes a new, unattached disk")
    const [fullBlob, fullAdded] = await filesOn(fromFull, ["blob", "added"])
    assert.ok(fullBlob?.equals(first), "the full backup restores the first data")
    assert.equal(fullAdded, undefined, "the full backup predates the added file")
    const [blob, addedBack] = await filesOn(fromIncrement, ["blob", "added"])
    assert.ok(blob?.equals(second), "the increment restores the second data")
    assert.ok(addedBack?.equals(added), "and the file added before it")
    const [stoppedBlob] = await filesOn(fromStopped, ["blob"])
    assert.ok(stoppedBlob?.equals(second), "the stopped VM's increment restores the same")
  })
})
