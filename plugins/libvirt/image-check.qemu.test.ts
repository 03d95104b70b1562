/** B1 the libvirt driver checks disk images before a start, like the QEMU driver (plugins/qemu/image-check.ts). */
import assert from "node:assert/strict"
import { truncateSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { Effect } from "effect"
import type { LibvirtDriver } from "./driver/driver.ts"
import {
  cleanUp,
  defineTestVm,
  libvirtUnavailable,
  namePrefix,
  openDriver,
  prepareGuest,
  run,
} from "./testing/setup.ts"

const skip = libvirtUnavailable()
const prefix = namePrefix("img")

describe("libvirt driver: disk images are checked before a start", { skip }, () => {
  let dir: string
  let driver: LibvirtDriver
  let close: () => Promise<void>

  before(async () => {
    const prepared = await prepareGuest("hx-lvi-")
    dir = prepared.dir
    ;({ driver, close } = await openDriver({ stateDir: join(dir, "s"), tcgTbCacheMiB: 16 }))
    const spec = await defineTestVm(driver, dir, prepared.guest, `${prefix}cut`)
    truncateSync(spec.disks[0]?.path ?? "", 1000)
  })
  after(async () => {
    await cleanUp(driver, prefix, dir)
    await close?.()
  })

  it("B1 a truncated qcow2 stops the start with a clear error; the domain stays stopped", async () => {
    const error = await run(Effect.flip(driver.start(`${prefix}cut`)))
    assert.equal(error.reason._tag, "InvalidRequest")
    assert.match(error.message, /disk image .*\.qcow2 is damaged or truncated \(the file ends at byte 1000\)/)
    assert.equal((await run(driver.inspect(`${prefix}cut`))).power, "stopped")
  })
})
