import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { readFileSync, truncateSync, writeFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { createConnection, createServer } from "node:net"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { Effect } from "effect"
import type { VmSpec } from "../../../core/driver/spec.ts"
import { buildGuest } from "../guest/build.ts"
import type { GuestManifest } from "../guest/manifest.ts"
import { GUEST_BOOT_LINE } from "../guest/recipe.ts"
import {
  connectAgent,
  connectQmp,
  type QemuProcess,
  SerialWatch,
  startQemu,
  waitForFileText,
} from "../guest/testing.ts"
import { bootSector } from "./boot-sector.ts"
import { buildArgv } from "./build-argv.ts"
import { type QemuRuntime, runtimePaths } from "./runtime.ts"

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

const canConnect = (options: { port: number; host: string } | { path: string }) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection(options)
    socket.once("connect", () => resolve(true))
    socket.once("error", () => resolve(false))
  }).then((ok) => ok)

/** The guest's web page through the host forward; the guest's DHCP lease may come a moment after its boot line. */
const fetchThroughForward = async (port: number) => {
  const deadline = Date.now() + 60_000
  for (;;) {
    const text = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(3_000) })
      .then((response) => response.text())
      .catch(() => undefined)
    if (text !== undefined || Date.now() > deadline) return text
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

const baseSpec = (name: string): Omit<VmSpec, "boot" | "disks"> => ({
  name,
  uuid: "5b1c2f7e-0d4a-4e8b-9a61-3c2d1e0f9a77",
  cpus: 1,
  sockets: 1,
  coresPerSocket: 1,
  memoryMiB: 128,
  cdrom: null,
  nics: [],
  devices: [],
  vnc: false,
  serial: true,
  guestAgent: false,
})

describe("buildArgv drives a real QEMU", () => {
  let manifest: GuestManifest
  let dir: string
  const running: Array<QemuProcess> = []

  before(async () => {
    manifest = await Effect.runPromise(buildGuest())
    // short: unix socket paths are limited to 107 bytes
    dir = await mkdtemp("/tmp/hx-argv-")
  })
  after(async () => {
    for (const qemu of running) qemu.child.kill("SIGKILL")
    await rm(dir, { recursive: true, force: true })
  })

  it("H2 kernel boot of the test guest: boot line, QMP, agent, VNC websocket, port forward, pidfile", async () => {
    const runDir = join(dir, "k")
    execFileSync("mkdir", ["-p", runDir])
    const system = join(runDir, "system.qcow2")
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", manifest.systemDisk, "-F", "qcow2", system])
    const [webPort, vncPort] = [await freePort(), await freePort()]
    const spec: VmSpec = {
      ...baseSpec("argv-kernel"),
      boot: { kind: "kernel", kernel: manifest.kernel, initrd: manifest.initrd, cmdline: manifest.cmdline },
      disks: [{ id: "sys", role: "system", path: system, format: "qcow2", bus: "virtio", readonly: false }],
      nics: [
        {
          id: "eth0",
          mac: "52:54:00:aa:bb:01",
          backing: { kind: "user", hostForwards: [{ hostPort: webPort, guestPort: 80 }] },
        },
      ],
      vnc: true,
      guestAgent: true,
    }
    const runtime: QemuRuntime = {
      runDir,
      accel: "tcg",
      tcgTbSizeMiB: 64,
      vnc: { kind: "websocket", host: "127.0.0.1", port: vncPort },
      restrictUserNet: true,
    }
    const paths = runtimePaths(runDir)
    const qemu = startQemu(buildArgv(spec, runtime))
    running.push(qemu)
    const serial = await SerialWatch.connect(paths.serial)
    const qmp = await connectQmp(paths.qmp)

    await serial.waitFor(new RegExp(`${GUEST_BOOT_LINE} version=${manifest.version}`))
    assert.equal(Number(readFileSync(paths.pidfile, "utf8").trim()), qemu.child.pid)
    assert.deepEqual(await qmp.command("query-status"), { running: true, singlestep: false, status: "running" })
    const nodes = (await qmp.command("query-named-block-nodes")) as Array<{ "node-name": string }>
    assert.ok(nodes.some((node) => node["node-name"] === "drive-sys"))
    assert.equal(
      await qmp.command("qom-get", { path: "/machine/peripheral/balloon0", property: "guest-stats-polling-interval" }),
      5,
    )
    const agent = await connectAgent(paths.qga)
    assert.deepEqual(await agent.command("guest-ping"), {})
    agent.close()
    assert.equal(await canConnect({ host: "127.0.0.1", port: vncPort }), true)
    assert.equal(await canConnect({ path: paths.vnc }), true)
    assert.match((await fetchThroughForward(webPort)) ?? "no answer", /hyperx-guest/)
    assert.match(readFileSync(paths.serialLog, "utf8"), new RegExp(GUEST_BOOT_LINE))

    await qmp.command("system_powerdown")
    assert.equal(await qemu.exited, 0)
    serial.close()
    qmp.close()
  })

  it("H2 disk boot: the BIOS boots the system disk's boot sector (bootindex)", async () => {
    const runDir = join(dir, "d")
    execFileSync("mkdir", ["-p", runDir])
    const raw = join(runDir, "boot.raw")
    writeFileSync(raw, bootSector("hyperx-disk-boot: loader ran"))
    // SeaBIOS will not boot a disk of a single sector
    truncateSync(raw, 1024 * 1024)
    const system = join(runDir, "system.qcow2")
    execFileSync("qemu-img", ["convert", "-q", "-f", "raw", "-O", "qcow2", raw, system])
    const spec: VmSpec = {
      ...baseSpec("argv-disk"),
      boot: { kind: "disk" },
      disks: [{ id: "sys", role: "system", path: system, format: "qcow2", bus: "virtio", readonly: false }],
    }
    const qemu = startQemu(buildArgv(spec, { runDir, accel: "tcg", vnc: { kind: "unix" } }))
    running.push(qemu)
    // the loader prints within a second of start, maybe before a socket client connects: read the logfile
    await waitForFileText(runtimePaths(runDir).serialLog, /hyperx-disk-boot: loader ran/)
    const qmp = await connectQmp(runtimePaths(runDir).qmp)
    await qmp.command("quit")
    assert.equal(await qemu.exited, 0)
    qmp.close()
  })
})
