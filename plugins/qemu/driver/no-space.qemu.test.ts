import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { mkdirSync } from "node:fs"
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

const root = process.getuid?.() === 0
const skip = !qemuInstalled()
  ? "qemu-system-x86_64 / qemu-img not installed"
  : root
    ? false
    : "mounting a tmpfs needs root"

/** A disk store that is nearly full: the guest's overlay fits, its 128 MiB of memory does not. */
describe("QEMU driver: a memory snapshot on a full file system", { skip, timeout: 300_000 }, () => {
  let host: TestHost
  let d: ScopedDriver
  let small = ""
  const name = "full"

  before(async () => {
    host = await makeTestHost()
    small = join(host.stateDir, "small")
    mkdirSync(small, { recursive: true })
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=12m", "hx-no-space", small])
    d = await openDriver(host)
    const spec = guestSpec(host, name)
    const disks = spec.disks.map((disk) => ({ ...disk, path: join(small, `${name}-sys.qcow2`) }))
    await d.run(defineGuest(d.driver, host, { ...spec, disks }))
    await d.run(d.driver.start(name))
    await waitForBoot(d.driver, name)
  })
  after(async () => {
    await d?.close()
    if (small !== "") execFileSync("umount", ["-l", small])
    host?.cleanup()
  })

  it("P1 fails saying no space left on device (QEMU says Input/output error), and the guest keeps running", async () => {
    const error = await d.run(Effect.flip(d.driver.snapshots.create(name, "too-big", { withMemory: true })))
    assert.equal(error.reason._tag, "HypervisorFailure")
    assert.match(error.message, /no space left on device/i)
    assert.match(error.message, /MiB free where the disks are, the memory is 128 MiB/)
    assert.equal((await d.run(d.driver.inspect(name))).power, "running")
  })
})
