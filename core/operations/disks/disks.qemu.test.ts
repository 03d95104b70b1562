/**
 * V1–V3 through the core on real QEMU (TCG, the tiny guest): a disk created on a running VM appears in the guest
 * with its size; what the guest writes to it is there, byte for byte, in ANOTHER guest after a hot detach and a
 * cold attach; the system disk is never detached.
 */
import assert from "node:assert/strict"
import { randomBytes } from "node:crypto"
import { before, describe, it } from "node:test"
import { diskNames } from "../../../plugins/qemu/argv/names.ts"
import { useQemuCore } from "../../../plugins/qemu/driver/core-testing.ts"
import { guestShell, qemuInstalled, waitForBoot } from "../../../plugins/qemu/driver/testing.ts"
import type { Vm } from "../../model/vm.ts"
import { Store } from "../../store/ports.ts"
import { power } from "../power.ts"
import { attachDisk } from "./attach.ts"
import { createDisk } from "./create.ts"
import { detachDisk } from "./detach.ts"

const skip = qemuInstalled() ? false : "qemu-system-x86_64 / qemu-img not installed"

/** The guest's block device whose virtio serial is $1, waited for up to 30 s (or gone, with $2 = gone). */
const findBySerial = `i=0
while [ $i -lt 300 ]; do
  dev=
  for d in /sys/block/vd*; do [ "$(cat $d/serial 2>/dev/null)" = "$1" ] && dev=\${d##*/}; done
  if [ "$2" = gone ]; then [ -z "$dev" ] && { echo gone; exit 0; }
  elif [ -n "$dev" ]; then echo "$dev $(cat /sys/block/$dev/size)"; exit 0; fi
  i=$((i + 1)); sleep 0.1
done
echo "timed out: $dev" >&2; exit 1`

describe("disks through the core on real QEMU (V1–V3)", { skip, timeout: 900_000 }, () => {
  const core = useQemuCore()
  let first: Vm
  let second: Vm
  const owner = () => core.world.actors.owner
  const sh = (vm: Vm, script: string, ...args: ReadonlyArray<string>) =>
    core.run(guestShell(core.driver, vm.hostname, script, ...args))
  const seen = async (vm: Vm, diskId: string) => {
    const [dev, sectors] = (await sh(vm, findBySerial, diskNames(diskId).serial, "present")).trim().split(" ")
    return { dev: `/dev/${dev}`, bytes: Number(sectors) * 512 }
  }

  before(async () => {
    first = await core.createVm()
    second = await core.createVm({ start: false })
  })

  it("V2 V3 V1 create on a running guest (hot-plug, its size seen), write, hot-unplug, attach cold to another VM: the data is there", async () => {
    const created = await core.complete(createDisk(owner(), first.id, { name: "ledger", sizeGiB: 1 }))
    const diskId = (created.params as { diskId: string }).diskId
    assert.deepEqual(created.result, { diskId, hot: true })
    const disk = await seen(first, diskId)
    assert.equal(disk.bytes, 1024 ** 3, "the guest sees the new block device with its size")

    const known = randomBytes(48).toString("hex")
    await sh(first, `printf '%s' "$1" | dd of="$2" bs=512 conv=fsync 2>/dev/null`, known, disk.dev)

    const detached = await core.complete(detachDisk(owner(), first.id, diskId))
    assert.deepEqual(detached.result, { diskId, hot: true })
    assert.equal((await sh(first, findBySerial, diskNames(diskId).serial, "gone")).trim(), "gone")

    const attached = await core.complete(attachDisk(owner(), second.id, diskId))
    assert.deepEqual(attached.result, { diskId, hot: false }, "the second VM is stopped: the disk waits for its start")
    await core.complete(power(owner(), second.id, "start"))
    await waitForBoot(core.driver, second.hostname)
    const again = await seen(second, diskId)
    assert.equal(again.bytes, 1024 ** 3)
    const read = await sh(second, `dd if="$1" bs=96 count=1 2>/dev/null`, again.dev)
    assert.equal(read, known, "what the first guest wrote is what the second reads")
  })

  it("V3 the system disk is refused by name and stays in the guest", async () => {
    const [system] = await core.run(Store.use((s) => s.disks.list({ vmId: first.id, role: "system" })))
    assert.ok(system)
    await assert.rejects(core.run(detachDisk(owner(), first.id, system.id)), { rule: "not-system-disk" })
    assert.match(await sh(first, "mount | grep ' /system '"), /\/system/)
  })
})
