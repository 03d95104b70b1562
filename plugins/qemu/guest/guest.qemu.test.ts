import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { isAbsolute, join } from "node:path"
import { after, before, describe, it } from "node:test"
import { Effect } from "effect"
import { buildGuest } from "./build.ts"
import type { GuestManifest } from "./manifest.ts"
import { GUEST_BOOT_LINE, heartbeatsIn } from "./recipe.ts"
import { VncKeyboard, waitForScreen, withoutTitles } from "./screen-testing.ts"
import { connectAgent, connectQmp, type JsonLines, type QemuProcess, SerialWatch, startQemu } from "./testing.ts"

const lastHeartbeat = (text: string) => heartbeatsIn(text).at(-1) ?? 0

const runJob = async (qmp: JsonLines, command: string, args: Record<string, unknown> & { "job-id": string }) => {
  await qmp.command(command, args)
  const id = args["job-id"]
  await qmp.waitForEvent("JOB_STATUS_CHANGE", 60_000, (data) => data.id === id && data.status === "concluded")
  const jobs = (await qmp.command("query-jobs")) as Array<{ id: string; error?: string }>
  await qmp.command("job-dismiss", { id })
  assert.equal(jobs.find((job) => job.id === id)?.error, undefined, `${command} failed`)
}

describe("test guest builder", () => {
  let manifest: GuestManifest
  let dir: string

  before(async () => {
    manifest = await Effect.runPromise(buildGuest({ onProgress: (line) => console.log(line) }))
    dir = await mkdtemp(join(tmpdir(), "hyperx-guest-test-"))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it("H2 builds a kernel, an initramfs and a qcow2 system disk, and names them in the manifest", () => {
    for (const path of [manifest.kernel, manifest.initrd, manifest.systemDisk]) {
      assert.ok(isAbsolute(path) && existsSync(path), path)
    }
    const info = JSON.parse(
      execFileSync("qemu-img", ["info", "--output=json", manifest.systemDisk], { encoding: "utf8" }),
    )
    assert.equal(info.format, "qcow2")
    assert.match(manifest.version, /^[0-9a-f]{16}$/)
    assert.ok(manifest.hash.startsWith(manifest.version))
    assert.match(manifest.cmdline, /console=ttyS0/)
    assert.ok(manifest.modules.loaded.includes("virtio_blk.ko"))
  })

  it("H2 a second build with the same inputs reuses the cached guest", async () => {
    const lines: Array<string> = []
    const again = await Effect.runPromise(buildGuest({ onProgress: (line) => lines.push(line) }))
    assert.deepEqual(again, manifest)
    assert.deepEqual(
      lines.filter((line) => /building|downloading|writing/.test(line)),
      [],
    )
  })

  it("H2 a different input (system disk size) gives a different build", async () => {
    const other = await Effect.runPromise(buildGuest({ systemDiskMiB: 128 }))
    assert.notEqual(other.version, manifest.version)
    const info = JSON.parse(execFileSync("qemu-img", ["info", "--output=json", other.systemDisk], { encoding: "utf8" }))
    assert.equal(info["virtual-size"], 128 * 1024 * 1024)
  })

  describe("booted with a plain qemu-system-x86_64 under TCG", () => {
    let qemu: QemuProcess
    let serial: SerialWatch
    let qmp: JsonLines

    before(async () => {
      const overlay = join(dir, "system.qcow2")
      execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", manifest.systemDisk, "-F", "qcow2", overlay])
      const dataRaw = join(dir, "data.raw")
      execFileSync("mkfs.ext4", ["-q", "-F", "-L", "data", dataRaw, "32M"])
      execFileSync("qemu-img", ["convert", "-q", "-f", "raw", "-O", "qcow2", dataRaw, join(dir, "data.qcow2")])
      const disk = (node: string, path: string) => [
        "-blockdev",
        JSON.stringify({ driver: "qcow2", "node-name": node, file: { driver: "file", filename: path } }),
        "-device",
        `virtio-blk-pci,drive=${node}`,
      ]
      qemu = startQemu([
        ...["-accel", "tcg", "-machine", "pc", "-m", "128", "-nodefaults", "-no-user-config", "-display", "none"],
        ...["-device", "VGA", "-vnc", `unix:${dir}/vnc.sock`],
        ...["-kernel", manifest.kernel, "-initrd", manifest.initrd, "-append", manifest.cmdline],
        ...["-chardev", `socket,id=serial0,path=${dir}/serial.sock,server=on,wait=off`, "-serial", "chardev:serial0"],
        ...["-qmp", `unix:${dir}/qmp.sock,server=on,wait=off`],
        ...disk("sys", overlay),
        ...disk("data", join(dir, "data.qcow2")),
        ...["-device", "virtio-serial-pci,id=vser0"],
        ...["-chardev", `socket,id=qga0,path=${dir}/qga.sock,server=on,wait=off`],
        ...["-device", "virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0"],
      ])
      serial = await SerialWatch.connect(join(dir, "serial.sock"))
      qmp = await connectQmp(join(dir, "qmp.sock"))
    })
    after(() => {
      serial?.close()
      qmp?.close()
      qemu?.child.kill("SIGKILL")
    })

    it("H2 prints the boot line, then heartbeats that count up", async () => {
      const boot = await serial.waitFor(new RegExp(`${GUEST_BOOT_LINE} version=(\\w+)`))
      assert.equal(boot[1], manifest.version)
      const from = boot.index + boot[0].length
      await serial.waitFor(/heartbeat \d+[\s\S]*heartbeat \d+/, 30_000, from)
      const [first = 0, second = 0] = heartbeatsIn(serial.text.slice(from))
      assert.ok(second > first, `${first} then ${second}`)
    })

    it("B5 H2 the serial console answers what the user types, and a terminal shows no heartbeat between (F8)", async () => {
      const from = serial.text.length
      serial.socket.write("echo hello-$((6*7))\n")
      await serial.waitFor(/hello-42/, 30_000, from)
      await serial.waitFor(/heartbeat \d+[\s\S]*heartbeat \d+/, 30_000, from)
      const shown = withoutTitles(serial.text.slice(from))
      assert.match(shown, /echo hello-\$\(\(6\*7\)\)\r\nhello-42\r\n/)
      assert.doesNotMatch(shown, /heartbeat/, "the heartbeat travels in terminal-title sequences only")
    })

    it("B5 H2 the screen has a root shell: keys typed through VNC run, and the answer shows on the screen (F8)", async () => {
      const vnc = await VncKeyboard.connect(join(dir, "vnc.sock"))
      await vnc.type("echo screen-$((6*7))\n")
      vnc.close()
      // the prompt, the command as typed, and on the next row the shell's answer
      const screen = await waitForScreen(qmp, join(dir, "vga.bin"), /^\S+# echo screen-\$\(\(6\*7\)\)\nscreen-42$/m)
      assert.match(screen, new RegExp(`${GUEST_BOOT_LINE} version=${manifest.version}`))
      assert.doesNotMatch(screen, /heartbeat/)
    })

    it("H2 the guest agent answers guest-ping after guest-sync and sees /system on vda and /data on vdb", async () => {
      const agent = await connectAgent(join(dir, "qga.sock"))
      assert.deepEqual(await agent.command("guest-ping"), {})
      const filesystems = (await agent.command("guest-get-fsinfo")) as Array<{ mountpoint: string; name: string }>
      const deviceOf = (mountpoint: string) => filesystems.find((fs) => fs.mountpoint === mountpoint)?.name
      assert.equal(deviceOf("/system"), "vda")
      assert.equal(deviceOf("/data"), "vdb")
      agent.close()
    })

    it("H2 restoring a memory snapshot resumes the heartbeat counter from the snapshot's value", async () => {
      await serial.waitFor(/heartbeat \d+/)
      await runJob(qmp, "snapshot-save", { "job-id": "save", tag: "beat", vmstate: "sys", devices: ["sys"] })
      const atSave = lastHeartbeat(serial.text)
      await serial.waitFor(new RegExp(`heartbeat ${atSave + 3}\\b`))
      await runJob(qmp, "snapshot-load", { "job-id": "load", tag: "beat", vmstate: "sys", devices: ["sys"] })
      const offset = serial.text.length
      const resumed = Number((await serial.waitFor(/heartbeat (\d+)/, 30_000, offset))[1])
      assert.ok(resumed <= atSave + 1, `after restore the counter went on at ${resumed}, snapshot had ${atSave}`)
    })

    it("H2 ACPI power-down over QMP makes the guest power off and QEMU exit", async () => {
      await qmp.command("system_powerdown")
      assert.equal(await qemu.exited, 0)
      const shutdown = qmp.events.find((event) => event.event === "SHUTDOWN")
      assert.equal(shutdown?.data?.guest, true)
    })
  })
})
