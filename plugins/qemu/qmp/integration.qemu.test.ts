import assert from "node:assert/strict"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import { Effect, Fiber, type Scope, Stream } from "effect"
import * as Qmp from "./index.ts"
import {
  createImage,
  listImageSnapshots,
  qemuAvailable,
  startTestQemu,
  type TestQemuOptions,
} from "./testing/qemu-process.ts"

// Real QEMU 7.2, TCG, no guest: everything QEMU does on its own. Guest-dependent paths come with the tiny guest.
const skip = qemuAvailable() ? false : "qemu-system-x86_64 / qemu-img not installed"
// A busy 2-core CI host answers in milliseconds but can stall; scale the budgets rather than flake.
const monitorOptions: Qmp.MonitorOptions = { timeouts: { scale: 4 } }

const run = <A, E>(program: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Effect.scoped(program))
const reasonOf = <A, R>(effect: Effect.Effect<A, Qmp.QmpError, R>) =>
  Effect.flip(effect).pipe(Effect.map((error) => error.reason))

const connect = (options: TestQemuOptions = {}) =>
  Effect.gen(function* () {
    const qemu = yield* startTestQemu(options)
    const monitor = yield* Qmp.connectMonitor(qemu.qmpPath, monitorOptions)
    return { qemu, monitor }
  })

/** A 64 MiB qcow2 system disk on virtio-blk (node "disk0", device "vda"), plus `more` arguments. */
const withSystemDisk = (more: (dir: string) => ReadonlyArray<string> = () => []): TestQemuOptions => ({
  prepare: (dir) => createImage(join(dir, "system.qcow2"), "qcow2", "64M"),
  args: (dir) => [
    ...["-blockdev", `driver=qcow2,node-name=disk0,file.driver=file,file.filename=${join(dir, "system.qcow2")}`],
    ...["-device", "virtio-blk-pci,drive=disk0,id=vda", ...more(dir)],
  ],
})

describe("QMP against real QEMU", { skip, timeout: 120_000 }, () => {
  it("B2 a VM started with -S is in prelaunch; cont runs it and stop pauses it, with RESUME and STOP", () =>
    run(
      Effect.gen(function* () {
        const { monitor } = yield* connect()
        assert.deepEqual(yield* Qmp.queryStatus(monitor), { running: false, status: "prelaunch" })
        yield* monitor.triggerAndAwait(Qmp.cont(monitor), "RESUME", () => true)
        assert.deepEqual(yield* Qmp.queryStatus(monitor), { running: true, status: "running" })
        yield* monitor.triggerAndAwait(Qmp.stop(monitor), "STOP", () => true)
        assert.deepEqual(yield* Qmp.queryStatus(monitor), { running: false, status: "paused" })
        const version = yield* Qmp.queryVersion(monitor)
        assert.deepEqual(version, monitor.greeting.version)
        assert.ok(version.qemu.major >= 7)
      }),
    ))

  it("B1 quit emits SHUTDOWN host-qmp-quit, then the stream ends with the synthetic disconnect, and QEMU exits", () =>
    run(
      Effect.gen(function* () {
        const { qemu, monitor } = yield* connect()
        const events = yield* Effect.forkChild(Stream.runCollect(monitor.events))
        yield* Effect.yieldNow
        yield* Qmp.quit(monitor)
        const seen = yield* Fiber.join(events)
        assert.deepEqual(
          seen.map((event) => (event._tag === "SHUTDOWN" ? event.reason : event._tag)),
          ["host-qmp-quit", "disconnected"],
        )
        assert.equal(yield* qemu.exited, 0)
        assert.equal(yield* monitor.isConnected, false)
      }),
    ))

  it("a second client gets no greeting while the first holds the monitor", () =>
    run(
      Effect.gen(function* () {
        const { qemu } = yield* connect()
        const reason = yield* reasonOf(Qmp.connectMonitor(qemu.qmpPath, { connectTimeoutMs: 300 }))
        assert.ok(reason._tag === "QmpConnectFailed" && reason.isRetryable)
      }),
    ))

  it("V1 V3 blockdev-add + virtio-blk-pci hotplug; unplug waits for the guest and completes at the next reset", () =>
    run(
      Effect.gen(function* () {
        const { qemu, monitor } = yield* connect({
          args: () => ["-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1"],
        })
        const disk = join(qemu.dir, "data.qcow2")
        createImage(disk, "qcow2", "64M")
        yield* Qmp.blockdevAdd(monitor, Qmp.qcow2Node({ nodeName: "data0", filename: disk }))
        yield* Qmp.deviceAdd(monitor, { driver: "virtio-blk-pci", id: "vdb", drive: "data0", bus: "rp1" })
        const attached = (yield* Qmp.queryBlock(monitor)).find((block) => block.inserted?.nodeName === "data0")
        assert.equal(attached?.qdev, "/machine/peripheral/vdb/virtio-backend")
        assert.equal(attached?.inserted?.image.filename, disk)

        // No guest to acknowledge the PCIe unplug: QEMU keeps the request pending.
        const pending = yield* reasonOf(Qmp.deleteDevice(monitor, "vdb", { timeoutMs: 1_000 }))
        assert.equal(pending._tag, "QmpTimeout")
        const again = yield* reasonOf(Qmp.deviceDel(monitor, "vdb"))
        assert.ok(again._tag === "QmpCommandError" && /already in the process of unplug/.test(again.desc))
        const inUse = yield* reasonOf(Qmp.blockdevDel(monitor, "data0"))
        assert.ok(inUse._tag === "QmpCommandError" && /in use/.test(inUse.desc))

        const { event } = yield* monitor.triggerAndAwait(
          Qmp.systemReset(monitor),
          "DEVICE_DELETED",
          (deleted) => deleted.device === "vdb",
        )
        assert.equal(event.path, "/machine/peripheral/vdb")
        yield* Qmp.blockdevDel(monitor, "data0")
        const remaining = yield* Qmp.queryBlock(monitor)
        assert.equal(
          remaining.some((block) => block.inserted?.nodeName === "data0"),
          false,
        )
      }),
    ))

  it("X4 a usb-storage device on qemu-xhci unplugs at once, no guest needed", () =>
    run(
      Effect.gen(function* () {
        const { qemu, monitor } = yield* connect({ args: () => ["-device", "qemu-xhci,id=xhci"] })
        const stick = join(qemu.dir, "stick.qcow2")
        createImage(stick, "qcow2", "16M")
        yield* Qmp.blockdevAdd(monitor, Qmp.qcow2Node({ nodeName: "stick0", filename: stick }))
        yield* Qmp.deviceAdd(monitor, { driver: "usb-storage", id: "usb0", drive: "stick0", bus: "xhci.0" })
        yield* Qmp.deleteDevice(monitor, "usb0")
        yield* Qmp.blockdevDel(monitor, "stick0")
        const gone = yield* reasonOf(Qmp.deviceDel(monitor, "usb0"))
        assert.ok(gone._tag === "QmpCommandError" && gone.errorClass === "DeviceNotFound")
      }),
    ))

  it("X3 ide-cd: insert an ISO, eject it, close the empty tray; DEVICE_TRAY_MOVED follows the tray", () =>
    run(
      Effect.gen(function* () {
        const { qemu, monitor } = yield* connect({ args: () => ["-device", "ide-cd,id=cd0,bus=ide.0"] })
        const iso = join(qemu.dir, "install.iso")
        createImage(iso, "raw", "1M")
        const trays = yield* Effect.forkChild(
          Stream.runCollect(
            monitor.events.pipe(
              Stream.filter((event) => event._tag === "DEVICE_TRAY_MOVED"),
              Stream.take(3),
            ),
          ),
        )
        yield* Effect.yieldNow
        yield* Qmp.blockdevChangeMedium(monitor, { id: "cd0", filename: iso, format: "raw", readOnlyMode: "read-only" })
        const inserted = (yield* Qmp.queryBlock(monitor)).find((block) => block.qdev === "cd0")
        assert.equal(inserted?.inserted?.file, iso)
        assert.equal(inserted?.inserted?.ro, true)
        assert.equal(inserted?.trayOpen, false)

        yield* Qmp.eject(monitor, { id: "cd0" })
        const ejected = (yield* Qmp.queryBlock(monitor)).find((block) => block.qdev === "cd0")
        assert.equal(ejected?.inserted, undefined)
        assert.equal(ejected?.trayOpen, true)
        assert.deepEqual(
          (yield* Fiber.join(trays)).map((event) => event._tag === "DEVICE_TRAY_MOVED" && event.trayOpen),
          [true, false, true],
          "change-medium opens and closes the tray, eject opens it",
        )
        yield* Qmp.blockdevCloseTray(monitor, "cd0")
        assert.equal((yield* Qmp.queryBlock(monitor)).find((block) => block.qdev === "cd0")?.trayOpen, false)
      }),
    ))

  it("P1 P4 P5 snapshot-save / snapshot-load / snapshot-delete run as jobs on a qcow2 disk", () =>
    run(
      Effect.gen(function* () {
        const { qemu, monitor } = yield* connect(withSystemDisk())
        const disk = join(qemu.dir, "system.qcow2")
        const disk0 = { vmstate: "disk0", devices: ["disk0"] }

        // QEMU 7.2 saves even in prelaunch (nothing has run yet).
        yield* Qmp.snapshotSave(monitor, { tag: "before-boot", ...disk0 })
        yield* Qmp.cont(monitor)
        yield* Qmp.snapshotSave(monitor, { tag: "while-running", ...disk0 })
        assert.equal((yield* Qmp.queryStatus(monitor)).status, "running", "a running VM resumes after the save")
        yield* Qmp.stop(monitor)
        assert.deepEqual(listImageSnapshots(disk), ["before-boot", "while-running"])
        const image = (yield* Qmp.queryBlock(monitor)).find((block) => block.inserted?.nodeName === "disk0")
        assert.deepEqual(
          image?.inserted?.image.snapshots?.map((snapshot) => snapshot.name),
          ["before-boot", "while-running"],
        )

        yield* Qmp.snapshotLoad(monitor, { tag: "while-running", ...disk0 })
        assert.equal((yield* Qmp.queryStatus(monitor)).status, "paused")
        const missing = yield* reasonOf(Qmp.snapshotLoad(monitor, { tag: "no-such-snapshot", ...disk0 }))
        assert.ok(missing._tag === "QmpJobFailed" && /no-such-snapshot/.test(missing.error))

        yield* Qmp.snapshotDelete(monitor, { tag: "before-boot", devices: ["disk0"] })
        assert.deepEqual(listImageSnapshots(disk), ["while-running"])
        assert.deepEqual(yield* Qmp.queryJobs(monitor), [], "every job was dismissed")
      }),
    ))

  it("M1 monitoring reads: vCPU threads, block stats, balloon stats, VNC, HMP; backup bitmaps by transaction", () =>
    run(
      Effect.gen(function* () {
        const { qemu, monitor } = yield* connect(
          withSystemDisk((dir) => [
            "-device",
            "virtio-balloon-pci,id=balloon0",
            "-vnc",
            `unix:${join(dir, "vnc.sock")}`,
          ]),
        )
        const [cpu] = yield* Qmp.queryCpusFast(monitor)
        assert.ok(cpu && existsSync(`/proc/${qemu.process.pid}/task/${cpu.threadId}`), "the vCPU is a QEMU thread")
        const stats = (yield* Qmp.queryBlockstats(monitor)).find((entry) => entry.qdev?.includes("vda"))
        assert.equal(stats?.stats.wrBytes, 0)

        const balloon = Qmp.peripheralPath("balloon0")
        yield* Qmp.enableBalloonStats(monitor, balloon, 2)
        const memory = yield* Qmp.balloonGuestStats(monitor, balloon)
        assert.equal(memory.lastUpdate, 0, "no guest driver has reported yet")
        assert.ok("stat-total-memory" in memory.stats)
        assert.deepEqual(Qmp.reportedStats(memory), {}, "QEMU marks every stat as not reported")

        const vnc = yield* Qmp.queryVnc(monitor)
        assert.equal(vnc.enabled, true)
        assert.match(yield* Qmp.humanMonitorCommand(monitor, "info status"), /prelaunch/)

        yield* Qmp.transaction(monitor, [Qmp.dirtyBitmapAddAction({ node: "disk0", name: "bm0", persistent: true })])
        const duplicate = yield* reasonOf(Qmp.blockDirtyBitmapAdd(monitor, { node: "disk0", name: "bm0" }))
        assert.ok(duplicate._tag === "QmpCommandError" && /already/.test(duplicate.desc))
        yield* Qmp.blockDirtyBitmapRemove(monitor, { node: "disk0", name: "bm0" })
      }),
    ))
})
