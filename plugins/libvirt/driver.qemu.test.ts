/**
 * H3 The libvirt driver against libvirtd and the tiny test guest (TCG): lifecycle, consoles, events, re-attach.
 * Skips when `virsh -c qemu:///system version` does not answer (fails instead with CI=true HYPERX_REQUIRE_LIBVIRT=1).
 */
import assert from "node:assert/strict"
import { existsSync } from "node:fs"
import { createConnection } from "node:net"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { Effect, Fiber, Stream } from "effect"
import type { DriverEvent } from "../../core/driver/driver.ts"
import type { VmSpec } from "../../core/driver/spec.ts"
import { GUEST_BOOT_LINE } from "../qemu/guest/recipe.ts"
import { SerialWatch } from "../qemu/guest/testing.ts"
import type { LibvirtDriver } from "./driver/driver.ts"
import { guestPowerOff } from "./testing/guest-agent.ts"
import { libvirtGuestProbe as probe } from "./testing/guest-probe.ts"
import {
  cleanUp,
  defineTestVm,
  eventually,
  libvirtUnavailable,
  namePrefix,
  openDriver,
  prepareGuest,
  run,
} from "./testing/setup.ts"

const skip = libvirtUnavailable()
const prefix = namePrefix("drv")

describe("libvirt driver: lifecycle, consoles, events, re-attach", { skip }, () => {
  let dir: string
  let driver: LibvirtDriver
  let close: () => Promise<void>
  let spec: VmSpec
  const events: Array<DriverEvent> = []
  let watcher: Fiber.Fiber<void> | undefined

  const ready = (name = spec.name, on = driver) =>
    eventually(`${name} ready`, () => run(probe.ready(on, name)).then(() => true))
  const power = async (name = spec.name) => (await run(driver.inspect(name))).power
  const write = (path: string, text: string) => run(probe.write(driver, spec.name, path, text))
  const read = (path: string, on = driver) => run(probe.read(on, spec.name, path))
  const eventsOf = (name: string) => events.filter((event) => event.name === name)

  before(async () => {
    const prepared = await prepareGuest("hx-lvd-")
    dir = prepared.dir
    ;({ driver, close } = await openDriver({ stateDir: join(dir, "s"), tcgTbCacheMiB: 16 }))
    watcher = Effect.runFork(driver.events.pipe(Stream.runForEach((event) => Effect.sync(() => events.push(event)))))
    spec = await defineTestVm(driver, dir, prepared.guest, `${prefix}a`)
  })

  after(async () => {
    if (watcher !== undefined) await Effect.runPromise(Fiber.interrupt(watcher))
    await cleanUp(driver, prefix, dir)
    await close?.()
  })

  it("H3 B2 define makes a stopped domain; start boots it and the boot line shows on the serial socket", async () => {
    assert.equal(await power(), "stopped")
    assert.ok((await run(driver.list())).some((info) => info.name === spec.name && info.power === "stopped"))
    await run(driver.start(spec.name))
    const endpoint = await run(driver.console.serial(spec.name))
    assert.equal(endpoint.kind, "unix")
    const serial = await SerialWatch.connect(endpoint.kind === "unix" ? endpoint.path : "")
    try {
      await serial.waitFor(new RegExp(GUEST_BOOT_LINE), 120_000)
    } finally {
      serial.close()
    }
    const info = await run(driver.inspect(spec.name))
    assert.equal(info.power, "running")
    assert.ok(info.pid !== undefined && existsSync(`/proc/${info.pid}`), `pid ${info.pid} does not run`)
    await ready()
  })

  it("H3 B5 the VNC endpoint of a running domain greets with RFB 003.008", async () => {
    const endpoint = await run(driver.console.vnc(spec.name))
    const greeting = await new Promise<string>((resolve, reject) => {
      const socket =
        endpoint.kind === "unix" ? createConnection(endpoint.path) : createConnection(endpoint.port, endpoint.host)
      socket.once("data", (data) => {
        socket.destroy()
        resolve(data.toString("latin1"))
      })
      socket.once("error", reject)
    })
    assert.equal(greeting.slice(0, 12), "RFB 003.008\n")
  })

  it("H3 R12 a guest powering itself off is reported once as powered-off; the platform's own calls are not", async () => {
    const earlier = eventsOf(spec.name).length
    await run(guestPowerOff(driver.client, spec.name))
    await eventually("powered off", async () => ((await power()) === "stopped" ? true : undefined))
    await eventually("the event", async () => (eventsOf(spec.name).length > earlier ? true : undefined), 10_000)
    // the platform's own start and forced stop make no events (the quiet window is 2 s)
    await run(driver.start(spec.name))
    await ready()
    await run(driver.shutdown(spec.name, { force: true, timeoutMs: 0 }))
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    const seen = eventsOf(spec.name).slice(earlier)
    assert.deepEqual(
      seen.map((event) => event.kind),
      ["powered-off"],
      JSON.stringify(seen),
    )
  })

  it("H3 B3 a graceful reboot and a forced reset restart the guest: RAM cleared, disk kept", async () => {
    await run(driver.start(spec.name))
    await ready()
    for (const force of [false, true]) {
      await write("/run/hxc/reboot", "ram")
      await write("/system/hxc/reboot", `disk-${force}`)
      await run(driver.reboot(spec.name, { force }))
      await eventually("RAM cleared", async () => ((await read("/run/hxc/reboot")) === undefined ? true : undefined))
      await ready()
      assert.equal(await read("/system/hxc/reboot"), `disk-${force}`)
      assert.equal(await power(), "running")
    }
  })

  it("H3 B1 a graceful stop keeps what the guest wrote; a forced stop ends the QEMU process at once", async () => {
    await write("/system/hxc/stop", "graceful")
    await run(driver.shutdown(spec.name, { force: false, timeoutMs: 60_000 }))
    assert.equal(await power(), "stopped")
    await run(driver.shutdown(spec.name, { force: false, timeoutMs: 1 }))
    await run(driver.start(spec.name))
    await ready()
    assert.equal(await read("/system/hxc/stop"), "graceful")
    const pid = (await run(driver.inspect(spec.name))).pid
    await run(driver.shutdown(spec.name, { force: true, timeoutMs: 0 }))
    assert.equal(await power(), "stopped")
    await eventually(
      "the process to end",
      async () => (pid !== undefined && existsSync(`/proc/${pid}`) ? undefined : true),
      30_000,
    )
  })

  it("H3 a new driver instance re-attaches: it finds the running domain (same process, RAM kept) and stops it", async () => {
    await run(driver.start(spec.name))
    await ready()
    await write("/run/hxc/reattach", "kept")
    const pid = (await run(driver.inspect(spec.name))).pid
    // drop the first instance, as an agent restart does; libvirtd keeps the domain running
    if (watcher !== undefined) await Effect.runPromise(Fiber.interrupt(watcher))
    watcher = undefined
    await close()
    const second = await openDriver({ stateDir: join(dir, "s") })
    driver = second.driver
    close = second.close
    const info = await run(driver.inspect(spec.name))
    assert.deepEqual([info.power, info.pid], ["running", pid])
    assert.ok((await run(driver.list())).some((other) => other.name === spec.name && other.power === "running"))
    assert.equal(await read("/run/hxc/reattach"), "kept")
    await run(driver.shutdown(spec.name, { force: true, timeoutMs: 0 }))
    assert.equal(await power(), "stopped")
    await run(driver.undefine(spec.name))
    await run(driver.undefine(spec.name))
    await assert.rejects(run(driver.inspect(spec.name)), /no domain named/)
  })
})
