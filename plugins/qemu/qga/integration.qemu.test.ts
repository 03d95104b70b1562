import assert from "node:assert/strict"
import { after, before, describe, it } from "node:test"
import { Effect, Exit, Scope } from "effect"
import { buildGuest } from "../guest/build.ts"
import type { GuestManifest } from "../guest/manifest.ts"
import * as Qmp from "../qmp/index.ts"
import { createImage, qemuAvailable } from "../qmp/testing/qemu-process.ts"
import * as Qga from "./index.ts"
import { type BootedGuest, bootTestGuest } from "./testing/boot-guest.ts"

// One real guest (plugins/qemu/guest) for the whole file: booting takes seconds under TCG.
const skip = qemuAvailable() ? false : "qemu-system-x86_64 / qemu-img not installed"
const slowHost = { scale: 4 }

describe("guest agent and QMP with the real test guest", { skip, timeout: 180_000 }, () => {
  const scope = Scope.makeUnsafe()
  const inScope = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) =>
    Effect.runPromise(Effect.provideService(effect, Scope.Scope, scope))
  let guest: BootedGuest
  let monitor: Qmp.QmpMonitor
  let agent: Qga.QgaAgent

  before(async () => {
    const manifest: GuestManifest = await Effect.runPromise(buildGuest())
    guest = await inScope(bootTestGuest(manifest))
    monitor = await inScope(Qmp.connectMonitor(guest.qemu.qmpPath, { timeouts: slowHost }))
    agent = await inScope(Qga.connectAgent(guest.qgaPath, { syncTimeoutMs: 60_000, timeouts: slowHost }))
  })
  after(() => Effect.runPromise(Scope.close(scope, Exit.void)))

  const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

  it("D2 guest-ping, guest-info and guest-get-osinfo answer after guest-sync", () =>
    run(
      Effect.gen(function* () {
        yield* Qga.guestPing(agent)
        const info = yield* Qga.guestInfo(agent)
        assert.match(info.version, /^7\.2/)
        assert.ok(
          info.supportedCommands.some((command) => command.name === "guest-set-user-password" && command.enabled),
        )
        const os = yield* Qga.guestGetOsinfo(agent)
        assert.equal(os.id, "hyperx-guest")
        assert.match(os.kernelRelease ?? "", /cloud-amd64/)
      }),
    ))

  it("M1 file-system usage lists the system disk with used and total bytes", () =>
    run(
      Effect.gen(function* () {
        const usage = yield* Qga.fileSystemUsage(agent)
        const system = usage.find((mount) => mount.mountpoint === "/system")
        assert.ok(system, `mounts: ${usage.map((mount) => mount.mountpoint).join(", ")}`)
        assert.ok(system.totalBytes > 0 && system.usedBytes > 0 && system.usedBytes < system.totalBytes)
      }),
    ))

  it("R11 guest-set-user-password stores a SHA-512 hash of the new password in /etc/shadow", () =>
    run(
      Effect.gen(function* () {
        const before = (yield* Qga.readGuestFile(agent, "/etc/shadow")).toString()
        assert.match(before, /^hyperx:!:/m)
        yield* Qga.guestSetUserPassword(agent, { username: "hyperx", password: "Correct-Horse-9" })
        const entry = (yield* Qga.readGuestFile(agent, "/etc/shadow"))
          .toString()
          .split("\n")
          .find((line) => line.startsWith("hyperx:"))
        const hash = entry?.split(":")[1] ?? ""
        assert.match(hash, /^\$6\$/)
        const salt = hash.split("$")[2] ?? ""
        const again = yield* Qga.runInGuest(agent, {
          path: "/bin/sh",
          args: ["-c", 'mkpasswd -m sha512 -S "$0" "$1"', salt, "Correct-Horse-9"],
        })
        assert.equal(again.stdout.toString().trim(), hash, "the stored hash is of the password we sent")
        const unknown = yield* Effect.flip(Qga.guestSetUserPassword(agent, { username: "nobody-here", password: "x" }))
        assert.equal(unknown.reason._tag, "QgaCommandError")
      }),
    ))

  it("writes a file in the guest and reads it back", () =>
    run(
      Effect.gen(function* () {
        const content = `written by hyperx ${"数据".repeat(1000)}\n`
        yield* Qga.writeGuestFile(agent, "/tmp/hyperx.txt", content)
        assert.equal((yield* Qga.readGuestFile(agent, "/tmp/hyperx.txt")).toString(), content)
        const shell = yield* Qga.runInGuest(agent, { path: "/bin/sh", args: ["-c", "wc -c < /tmp/hyperx.txt"] })
        assert.equal(Number(shell.stdout.toString().trim()), Buffer.byteLength(content))
      }),
    ))

  it("X5 adds, lists and removes an authorized SSH key", () =>
    run(
      Effect.gen(function* () {
        const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4 ops@hyperx"
        yield* Qga.guestSshAddAuthorizedKeys(agent, { username: "hyperx", keys: [key] })
        assert.deepEqual(yield* Qga.guestSshGetAuthorizedKeys(agent, "hyperx"), [key])
        const file = (yield* Qga.readGuestFile(agent, "/home/hyperx/.ssh/authorized_keys")).toString()
        assert.match(file, /ops@hyperx/)
        yield* Qga.guestSshRemoveAuthorizedKeys(agent, { username: "hyperx", keys: [key] })
        assert.deepEqual(yield* Qga.guestSshGetAuthorizedKeys(agent, "hyperx"), [])
      }),
    ))

  it("P1 freezes and thaws the guest's file systems around a disk snapshot", () =>
    run(
      Effect.gen(function* () {
        yield* Qga.withFrozenFileSystems(
          agent,
          Effect.gen(function* () {
            assert.equal(yield* Qga.guestFsfreezeStatus(agent), "frozen")
            yield* Qmp.snapshotSave(monitor, { tag: "frozen", vmstate: "sys", devices: ["sys"] })
          }),
        )
        assert.equal(yield* Qga.guestFsfreezeStatus(agent), "thawed")
        yield* Qmp.snapshotDelete(monitor, { tag: "frozen", devices: ["sys"] })
      }),
    ))

  it("V3 with a guest running, a hot-plugged virtio disk unplugs on the guest's acknowledgement", () =>
    run(
      Effect.gen(function* () {
        const disk = `${guest.qemu.dir}/hot.qcow2`
        createImage(disk, "qcow2", "16M")
        yield* Qmp.blockdevAdd(monitor, Qmp.qcow2Node({ nodeName: "hot0", filename: disk }))
        yield* Qmp.deviceAdd(monitor, { driver: "virtio-blk-pci", id: "vdhot", drive: "hot0", bus: "rp1" })
        yield* Qmp.deleteDevice(monitor, "vdhot")
        yield* Qmp.blockdevDel(monitor, "hot0")
      }),
    ))

  it("B1 guest-shutdown powers the guest off: QMP sees SHUTDOWN from the guest, QEMU exits", () =>
    run(
      Effect.gen(function* () {
        const { event } = yield* monitor.triggerAndAwait(
          Qga.guestShutdown(agent, "powerdown"),
          "SHUTDOWN",
          () => true,
          { timeoutMs: 60_000 },
        )
        assert.deepEqual([event.guest, event.reason], [true, "guest-shutdown"])
        assert.equal(yield* guest.qemu.exited, 0)
      }),
    ))
})
