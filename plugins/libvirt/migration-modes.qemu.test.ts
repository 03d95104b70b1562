/**
 * R9 #17 What the libvirt migration group does beyond the conformance cases, between two libvirt daemons on this
 * machine: mode pause-first (the guest arrives paused, finishIncoming resumes it and proves it) and the rollback after
 * the switch-over, which libvirt makes a new boot at the source (it keeps no paused copy there; README). Skips
 * without libvirt or root (fails instead with CI=true HYPERX_REQUIRE_LIBVIRT=1).
 */
import assert from "node:assert/strict"
import { rmSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { Effect, Exit, Scope } from "effect"
import type { LibvirtDriver } from "./driver/driver.ts"
import { guestReadFile, guestWriteFile } from "./testing/guest-agent.ts"
import { libvirtGuestProbe as probe } from "./testing/guest-probe.ts"
import {
  defineTestVm,
  eventually,
  libvirtUnavailable,
  namePrefix,
  openDriver,
  prepareGuest,
  run,
  type TestGuest,
} from "./testing/setup.ts"
import { extraDaemonUnavailable, peeredDriverOptions, twoLibvirtDaemons } from "./testing/two-daemons.ts"

const skip = libvirtUnavailable() || extraDaemonUnavailable()
const name = `${namePrefix("mig")}a`
const MARK = "/run/hx-mark"

describe("R9 libvirt migration: pause-first and a rollback after the switch-over", { skip }, () => {
  const scope = Effect.runSync(Scope.make())
  let dir = ""
  let guest: TestGuest
  let source: LibvirtDriver
  let target: LibvirtDriver
  const closers: Array<() => Promise<void>> = []

  before(async () => {
    ;({ dir, guest } = await prepareGuest("hx-lvmm-"))
    const [one, two] = await Effect.runPromise(Scope.provide(scope)(twoLibvirtDaemons(dir)))
    const a = await openDriver(peeredDriverOptions(one, two, join(dir, "s1")))
    const b = await openDriver(peeredDriverOptions(two, one, join(dir, "s2")))
    source = a.driver
    target = b.driver
    closers.push(a.close, b.close)
  })
  after(async () => {
    for (const close of closers) await close()
    // the daemons' domains are destroyed and undefined with them
    await Effect.runPromise(Scope.close(scope, Exit.void))
    if (dir !== "") rmSync(dir, { recursive: true, force: true })
  })

  const markOn = (driver: LibvirtDriver) => run(guestReadFile(driver.client, name, MARK))

  it("pause-first: the guest arrives paused, finishIncoming resumes and proves it; its RAM came along", async () => {
    const spec = await defineTestVm(source, dir, guest, name)
    await run(source.start(name))
    await eventually("the guest to be ready", () => run(probe.ready(source, name)).then(() => true))
    await run(guestWriteFile(source.client, name, MARK, "before"))

    const endpoint = await run(target.migration.prepareIncoming(spec, { storage: "shared", listenHost: "127.0.0.1" }))
    const result = await run(source.migration.send(name, endpoint, { storage: "shared", mode: "pause-first" }))
    assert.equal(result.path, "pause-first")
    assert.ok(result.transferredBytes > 0, "memory was sent")
    assert.equal((await run(target.inspect(name))).power, "paused", "libvirt keeps a pause-first guest paused")
    await run(target.migration.finishIncoming(name))
    assert.equal((await run(target.inspect(name))).power, "running")
    assert.equal(await markOn(target), "before", "the guest's RAM moved (no reboot)")
    assert.equal((await run(source.inspect(name))).power, "stopped", "the source keeps only a shut-off definition")
  })

  it("a rollback after the switch-over (the target aborted) starts the guest again at the source: a new boot", async () => {
    await run(target.migration.abortIncoming(name))
    assert.ok(!(await run(target.list())).some((domain) => domain.name === name), "the target forgot the domain")
    await run(source.migration.rollback(name))
    assert.equal((await run(source.inspect(name))).power, "running")
    await eventually("the guest to be ready again", () => run(probe.ready(source, name)).then(() => true))
    assert.equal(await markOn(source), undefined, "the guest booted again: its RAM mark is gone")
    await run(source.migration.rollback(name))
    assert.equal((await run(source.inspect(name))).power, "running", "a second rollback is a no-op")
  })
})
