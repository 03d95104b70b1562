import assert from "node:assert/strict"
import { after, before, describe, it } from "node:test"
import { Effect } from "effect"
import { heartbeatsIn } from "../guest/recipe.ts"
import { runInGuest } from "../qga/commands/exec.ts"
import { readGuestFile, writeGuestFile } from "../qga/commands/files.ts"
import {
  defineGuest,
  guestSpec,
  makeTestHost,
  openDriver,
  qemuInstalled,
  type ScopedDriver,
  serialLog,
  type TestHost,
  waitForBoot,
  waitUntil,
} from "./testing.ts"

const skip = qemuInstalled() ? false : "qemu-system-x86_64 / qemu-img not installed"
const onDisk = "/system/hx-snap.txt"
const inRam = "/tmp/hx-snap.txt"

describe("QEMU driver: internal snapshots with and without memory", { skip, timeout: 600_000 }, () => {
  let host: TestHost
  let d: ScopedDriver
  const name = "snap"
  const run = <A, E>(effect: Effect.Effect<A, E, never>) => d.run(effect)
  const write = (path: string, content: string) =>
    run(
      d.driver.withGuestAgent(name, (agent) =>
        writeGuestFile(agent, path, content).pipe(Effect.andThen(runInGuest(agent, { path: "/bin/sync" }))),
      ),
    )
  const read = async (path: string) =>
    (await run(d.driver.withGuestAgent(name, (agent) => readGuestFile(agent, path)))).toString()
  const stopAndRevert = async (snapshot: string) => {
    await run(d.driver.shutdown(name, { force: true, timeoutMs: 0 }))
    await run(d.driver.snapshots.revert(name, snapshot))
    await run(d.driver.start(name))
  }

  before(async () => {
    host = await makeTestHost()
    d = await openDriver(host)
    await run(defineGuest(d.driver, host, guestSpec(host, name)))
    await run(d.driver.start(name))
    await waitForBoot(d.driver, name)
  })
  after(async () => {
    await d?.close()
    host?.cleanup()
  })

  it("P1 P4 a memory snapshot brings back RAM and disk: the guest resumes, it does not boot", async () => {
    await write(onDisk, "original")
    await write(inRam, "original")
    await waitUntil("a heartbeat", () => heartbeatsIn(serialLog(d.driver, name)).length > 0)
    const beatAtSnapshot = heartbeatsIn(serialLog(d.driver, name)).at(-1) ?? 0
    await run(d.driver.snapshots.create(name, "with-memory", { withMemory: true }))
    const listed = (await run(d.driver.snapshots.list(name))).find((info) => info.name === "with-memory")
    assert.ok(listed?.withMemory && listed.sizeBytes > 0, JSON.stringify(listed))
    assert.ok(Math.abs(listed.createdAt.getTime() - Date.now()) < 3_600_000)
    const again = await run(Effect.flip(d.driver.snapshots.create(name, "with-memory", { withMemory: true })))
    assert.equal(again.reason._tag, "InvalidRequest")

    await write(onDisk, "changed")
    await write(inRam, "changed")
    const running = await run(Effect.flip(d.driver.snapshots.revert(name, "with-memory")))
    assert.equal(running.reason._tag, "WrongPowerState", "P4: only a stopped domain reverts")

    await stopAndRevert("with-memory")
    await waitUntil("heartbeats after the resume", () => heartbeatsIn(serialLog(d.driver, name)).length > 0)
    const resumed = heartbeatsIn(serialLog(d.driver, name))[0] ?? 0
    assert.ok(
      resumed > beatAtSnapshot && resumed <= beatAtSnapshot + 3,
      `resumed at ${resumed}, saved ${beatAtSnapshot}`,
    )
    assert.doesNotMatch(serialLog(d.driver, name), /hyperx-guest: booted/)
    assert.equal(await read(onDisk), "original")
    assert.equal(await read(inRam), "original")
  })

  it("P1 P4 a disk snapshot of a running guest brings the disk back; the guest boots afresh", async () => {
    await write(onDisk, "disk-original")
    await run(d.driver.snapshots.create(name, "disk-only", { withMemory: false }))
    const listed = (await run(d.driver.snapshots.list(name))).find((info) => info.name === "disk-only")
    assert.equal(listed?.withMemory, false)
    const again = await run(Effect.flip(d.driver.snapshots.create(name, "disk-only", { withMemory: false })))
    assert.equal(again.reason._tag, "InvalidRequest", "a name the disk already has is refused")
    await write(onDisk, "disk-changed")
    await stopAndRevert("disk-only")
    await waitForBoot(d.driver, name)
    assert.equal(await read(onDisk), "disk-original")
  })

  it("P1 P5 a stopped domain takes disk snapshots only; removing is idempotent", async () => {
    await run(d.driver.shutdown(name, { force: true, timeoutMs: 0 }))
    await run(d.driver.snapshots.create(name, "cold", { withMemory: false }))
    const refused = await run(Effect.flip(d.driver.snapshots.create(name, "cold-memory", { withMemory: true })))
    assert.equal(refused.reason._tag, "WrongPowerState")
    const numeric = await run(Effect.flip(d.driver.snapshots.create(name, "42", { withMemory: false })))
    assert.equal(numeric.reason._tag, "InvalidRequest")
    assert.deepEqual(
      (await run(d.driver.snapshots.list(name))).map((info) => [info.name, info.withMemory]),
      [
        ["with-memory", true],
        ["disk-only", false],
        ["cold", false],
      ],
    )
    const missing = await run(Effect.flip(d.driver.snapshots.revert(name, "never-taken")))
    assert.equal(missing.reason._tag, "InvalidRequest")
    for (const snapshot of ["with-memory", "disk-only", "cold", "cold"]) {
      await run(d.driver.snapshots.remove(name, snapshot))
    }
    assert.deepEqual(await run(d.driver.snapshots.list(name)), [])
  })

  it("P5 a running domain's snapshots are removed through QEMU", async () => {
    await run(d.driver.start(name))
    await waitForBoot(d.driver, name)
    await run(d.driver.snapshots.create(name, "hot", { withMemory: true }))
    await run(d.driver.snapshots.remove(name, "hot"))
    await run(d.driver.snapshots.remove(name, "hot"))
    assert.deepEqual(await run(d.driver.snapshots.list(name)), [])
    assert.equal((await run(d.driver.inspect(name))).power, "running")
  })
})
