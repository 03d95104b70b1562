import assert from "node:assert/strict"
import { copyFileSync, truncateSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { Effect } from "effect"
import {
  defineGuest,
  guestSpec,
  makeTestHost,
  openDriver,
  qemuInstalled,
  type ScopedDriver,
  type TestHost,
  waitForBoot,
} from "./testing.ts"

const skip = qemuInstalled() ? false : "qemu-system-x86_64 / qemu-img not installed"

describe("QEMU driver: disk images are checked before a start", { skip, timeout: 300_000 }, () => {
  let host: TestHost
  let d: ScopedDriver
  before(async () => {
    host = await makeTestHost()
    d = await openDriver(host)
  })
  after(async () => {
    await d?.close()
    host?.cleanup()
  })
  const refusedStart = async (name: string) => {
    const error = await d.run(Effect.flip(d.driver.start(name)))
    assert.equal((await d.run(d.driver.inspect(name))).power, "stopped")
    return error
  }

  it("B1 a truncated qcow2 overlay stops the start with a clear error; the domain stays stopped", async () => {
    const spec = guestSpec(host, "cut")
    await d.run(defineGuest(d.driver, host, spec))
    const disk = spec.disks[0]?.path ?? ""
    await d.run(d.driver.start("cut"))
    await waitForBoot(d.driver, "cut")
    await d.run(d.driver.shutdown("cut", { force: true, timeoutMs: 0 }))
    truncateSync(disk, 1000)
    const error = await refusedStart("cut")
    assert.equal(error.reason._tag, "InvalidRequest")
    assert.match(error.message, /disk image .*cut-sys\.qcow2 is damaged or truncated \(the file ends at byte 1000\)/)
  })

  it("B1 a qcow2 cut inside its header, or overwritten, is refused without running qemu-img", async () => {
    const spec = guestSpec(host, "header")
    await d.run(defineGuest(d.driver, host, spec))
    const disk = spec.disks[0]?.path ?? ""
    const pristine = join(host.stateDir, "pristine.qcow2")
    copyFileSync(disk, pristine)
    truncateSync(disk, 50)
    assert.match((await refusedStart("header")).message, /is truncated: 50 bytes, its header alone needs 104/)
    writeFileSync(disk, Buffer.alloc(4096))
    assert.match((await refusedStart("header")).message, /is damaged: no qcow2 header/)
    copyFileSync(pristine, disk)
    await d.run(d.driver.start("header"))
    assert.equal((await d.run(d.driver.inspect("header"))).power, "running")
  })
})
