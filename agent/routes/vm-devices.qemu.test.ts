/**
 * Bound resources through the API of the agent as `npm start` runs it, on a real QEMU guest (X3, X4): the host's
 * devices are read at start from a prepared sysfs tree (HYPERX_SYSFS_ROOT); an ISO uploaded over HTTP is inserted
 * into the running guest's tray and the guest mounts it and reads its file and label, then it is ejected; a USB
 * device of the host is hot-plugged (`usb-host` by bus-port on the VM's xhci controller) and unplugged, seen on the
 * VM's USB bus. The tiny guest's cloud kernel has no USB support, so USB is seen from QEMU's side here; the guest's
 * side is plugins/qemu/driver/usb-guest.qemu.test.ts (the USB variant of the guest, the same device_add path).
 */
import assert from "node:assert/strict"
import { readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Effect } from "effect"
import { DriverRegistry } from "../../core/index.ts"
import { gpuHostTree } from "../../plugins/host-devices/testing/fake-sysfs.ts"
import type { QemuDriver } from "../../plugins/qemu/driver/driver.ts"
import { qemuInstalled, waitForBoot } from "../../plugins/qemu/driver/testing.ts"
import { runInGuest } from "../../plugins/qemu/qga/commands/exec.ts"
import { genisoimageInstalled, makeIso } from "../images/testing.ts"
import { jsonApi } from "../testing/json-api.ts"
import { useQemuAgent } from "../testing/qemu-agent.ts"
import { followTasks } from "../testing/task-follow.ts"
import { connect, eventsOf } from "../ws/testing.ts"

const skip = !qemuInstalled()
  ? "QEMU is not installed"
  : !genisoimageInstalled()
    ? "genisoimage is not installed"
    : false

describe("bound resources through the API with QEMU (X3, X4)", { skip }, () => {
  const tree = gpuHostTree()
  after(() => tree.cleanup())
  const { live, log, data } = useQemuAgent("hx-devices-api-", undefined, { env: { HYPERX_SYSFS_ROOT: tree.root } })
  const http = jsonApi(
    () => live().origin,
    () => live().token,
  )
  const { act } = followTasks(http)
  const driver = () =>
    live().runtime.runPromise(DriverRegistry.use((registry) => registry.get("qemu"))) as Promise<QemuDriver>
  const sh = async (hostname: string, script: string) => {
    const qemu = await driver()
    const result = await Effect.runPromise(
      qemu.withGuestAgent(hostname, (agent) => runInGuest(agent, { path: "/bin/sh", args: ["-c", script] })),
    )
    const output = `${result.stdout.toString()}${result.stderr.toString()}`.trim()
    return result.exitCode === 0 ? output : `exit ${result.exitCode}: ${output}`
  }
  /** The guest sees a changed medium once its kernel noticed the tray: ask until it answers `wanted`. */
  const eventually = async (hostname: string, script: string, wanted: (output: string) => boolean) => {
    const deadline = Date.now() + 30_000
    for (;;) {
      const output = await sh(hostname, script)
      if (wanted(output) || Date.now() > deadline) return output
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
  const usbBus = async (hostname: string) => {
    const qemu = await driver()
    const reply = await Effect.runPromise(qemu.withMonitor(hostname, (monitor) => monitor.execute("x-query-usb", {})))
    return (reply as { "human-readable-text": string })["human-readable-text"]
  }

  it("X3 X4 devices read at start; an uploaded ISO read inside the guest; a USB device plugged in and out", async () => {
    assert.match(live().token ?? "", /^hx_/, log.join("\n"))
    const events = await connect(`${live().origin.replace("http", "ws")}/api/v1/events`, {
      protocols: ["hyperx.v1", `hyperx.bearer.${live().token}`],
    })
    const [host] = (await http("GET", "/api/v1/hosts")).body.items
    const devices = (await http("GET", `/api/v1/hosts/${host.id}/devices`)).body.items
    assert.deepEqual(
      devices.map((d: { kind: string; address: string }) => `${d.kind} ${d.address}`),
      ["gpu 0000:00:02.0", "gpu 0000:01:00.0", "usb 1-2", "usb 2-1.4"],
      "the agent read the host's devices at its start",
    )

    const isoPath = join(data, "tools.iso")
    makeIso(isoPath, "HXTOOLS", { "hello.txt": "hello from the iso\n" })
    const uploaded = await fetch(`${live().origin}/api/v1/images?name=tools&format=iso`, {
      method: "POST",
      headers: { authorization: `Bearer ${live().token}`, "content-type": "application/octet-stream" },
      body: readFileSync(isoPath),
    })
    const iso = await uploaded.json()
    assert.equal(uploaded.status, 201, JSON.stringify(iso))
    rmSync(isoPath)

    const created = await http("POST", "/api/v1/vms", { imageId: "tiny-linux", flavorId: "tiny", name: "dev_vm" })
    assert.equal(created.status, 202, JSON.stringify(created.body))
    const vmId: string = created.body.vmIds[0]
    await events.until(
      `${vmId} running`,
      () => eventsOf(events).some((e) => e._tag === "vm-state" && e.vmId === vmId && e.to === "running"),
      180_000,
    )
    const { hostname } = (await http("GET", `/api/v1/vms/${vmId}`)).body.vm
    await waitForBoot(await driver(), hostname)

    // X3: into the running guest's tray; the guest mounts the disc and reads it
    await act(events, "POST", `/api/v1/vms/${vmId}/iso`, { imageId: iso.id })
    // the guest notices the new disc in its own time: its volume descriptor reads first, then it mounts
    const descriptor = "dd if=/dev/sr0 bs=2048 skip=16 count=1 2>/dev/null | head -c 6 | tail -c 5"
    assert.equal(await eventually(hostname, descriptor, (output) => output === "CD001"), "CD001")
    const mount = "mkdir -p /tmp/cd && mount -t iso9660 -o ro /dev/sr0 /tmp/cd && cat /tmp/cd/hello.txt"
    assert.equal(await sh(hostname, mount), "hello from the iso")
    const label = await sh(hostname, "dd if=/dev/sr0 bs=1 skip=32808 count=7 2>/dev/null")
    assert.equal(label, "HXTOOLS")
    await sh(hostname, "umount /tmp/cd")
    const refused = await http("DELETE", `/api/v1/images/${iso.id}`)
    assert.equal(refused.body.error.rule, "image-in-use")
    await act(events, "DELETE", `/api/v1/vms/${vmId}/iso`)
    const gone = "dd if=/dev/sr0 bs=2048 count=1 of=/dev/null 2>/dev/null && echo read || echo no medium"
    assert.equal(await eventually(hostname, gone, (output) => output === "no medium"), "no medium")

    // X4: usb-host by bus-port, hot-plugged on the VM's controller and unplugged
    const usb = devices.find((d: { address: string }) => d.address === "1-2")
    const before = await usbBus(hostname)
    await act(events, "POST", `/api/v1/vms/${vmId}/usb`, { deviceId: usb.id })
    const plugged = await usbBus(hostname)
    assert.equal(plugged.split("USB Host Device").length, before.split("USB Host Device").length + 1, plugged)
    await act(events, "DELETE", `/api/v1/vms/${vmId}/usb/${usb.id}`)
    assert.equal(await usbBus(hostname), before)

    await act(events, "POST", `/api/v1/vms/${vmId}/stop`, { force: true })
    assert.equal((await http("DELETE", `/api/v1/images/${iso.id}`)).status, 200)
    events.close()
  })
})
