import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect, Fiber, type Scope } from "effect"
import type { QmpError } from "../errors.ts"
import { connectMonitor } from "../monitor.ts"
import type { FakeJsonLineServer } from "../testing/fake-json-line-server.ts"
import { startFakeQmpServer } from "../testing/fake-qmp-server.ts"
import { qcow2Node, queryBlock } from "./block.ts"
import { deleteDevice } from "./devices.ts"
import { humanMonitorCommand } from "./machine.ts"
import { balloonGuestStats, peripheralPath } from "./qom.ts"
import { snapshotSave } from "./snapshots.ts"
import { queryStatus, quit } from "./status.ts"

const run = <A, E>(program: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Effect.scoped(program))
const reasonOf = <A, R>(effect: Effect.Effect<A, QmpError, R>) =>
  Effect.flip(effect).pipe(Effect.map((error) => error.reason))
const commandsSent = (server: FakeJsonLineServer) => server.requests.map((request) => request.execute)

/** Answers a job command, then walks the job through its states the way QEMU 7.2 does. */
const fakeJob = (server: FakeJsonLineServer, command: string, error?: string) =>
  server.on(command, (request, peer) => {
    const id = String(request.arguments?.["job-id"])
    peer.reply(request, { return: {} })
    // Another job concluding first must not end the wait.
    server.event("JOB_STATUS_CHANGE", { id: "other-job", status: "concluded" })
    for (const status of ["created", "running", "waiting", "pending", "concluded"]) {
      server.event("JOB_STATUS_CHANGE", { id, status })
    }
    peer.returns("query-jobs", [
      {
        id,
        type: command,
        status: "concluded",
        "current-progress": 1,
        "total-progress": 1,
        ...(error ? { error } : {}),
      },
    ])
    return undefined
  })

describe("typed QMP commands against a fake QEMU", { timeout: 20_000 }, () => {
  it("B1 query-status decodes the run state; a reply of another shape is QmpUnexpectedReply", () =>
    run(
      Effect.gen(function* () {
        const server = yield* startFakeQmpServer()
        const monitor = yield* connectMonitor(server.path)
        assert.deepEqual(yield* queryStatus(monitor), { running: true, status: "running" })
        server.returns("query-status", { state: "weird" })
        const reason = yield* reasonOf(queryStatus(monitor))
        assert.ok(reason._tag === "QmpUnexpectedReply" && reason.command === "query-status")
        assert.equal(reason.isRetryable, false)
      }),
    ))

  it("B1 quit succeeds even when QEMU closes the socket before replying", () =>
    run(
      Effect.gen(function* () {
        const server = yield* startFakeQmpServer()
        server.on("quit", (_request, peer) => {
          peer.event("SHUTDOWN", { guest: false, reason: "host-qmp-quit" })
          peer.dropClients()
          return undefined
        })
        const monitor = yield* connectMonitor(server.path)
        yield* quit(monitor)
        assert.equal(yield* monitor.isConnected, false)
      }),
    ))

  it("P1 snapshot-save runs as a job: waits for its own 'concluded', then dismisses it", () =>
    run(
      Effect.gen(function* () {
        const server = yield* startFakeQmpServer()
        fakeJob(server, "snapshot-save")
        server.returns("job-dismiss", {})
        const monitor = yield* connectMonitor(server.path)
        yield* snapshotSave(monitor, { tag: "s1", vmstate: "disk0", devices: ["disk0"], jobId: "save-1" })
        assert.deepEqual(commandsSent(server).slice(1), ["snapshot-save", "query-jobs", "job-dismiss"])
        const save = server.requests[1]
        assert.deepEqual(save?.arguments, { "job-id": "save-1", tag: "s1", vmstate: "disk0", devices: ["disk0"] })
        assert.deepEqual(server.requests[3]?.arguments, { id: "save-1" })
      }),
    ))

  it("P1 a job that concludes with an error fails with QmpJobFailed and is still dismissed", () =>
    run(
      Effect.gen(function* () {
        const server = yield* startFakeQmpServer()
        fakeJob(server, "snapshot-save", "Device 'disk0' is writable but does not support snapshots")
        server.returns("job-dismiss", {})
        const monitor = yield* connectMonitor(server.path)
        const reason = yield* reasonOf(snapshotSave(monitor, { tag: "s1", vmstate: "disk0", devices: ["disk0"] }))
        assert.ok(reason._tag === "QmpJobFailed")
        assert.match(reason.error, /does not support snapshots/)
        assert.equal(commandsSent(server).at(-1), "job-dismiss")
      }),
    ))

  it("P1 a job that never concludes times out and is asked to cancel", () =>
    run(
      Effect.gen(function* () {
        const server = yield* startFakeQmpServer()
        server.returns("snapshot-save", {}).returns("job-cancel", {})
        const monitor = yield* connectMonitor(server.path)
        const reason = yield* reasonOf(
          snapshotSave(monitor, { tag: "s1", vmstate: "d", devices: ["d"], jobId: "j" }, { timeoutMs: 50 }),
        )
        assert.ok(reason._tag === "QmpTimeout" && reason.afterMs === 50)
        yield* Effect.promise(() => server.nextRequest("job-cancel"))
      }),
    ))

  it("V3 deleteDevice returns only once DEVICE_DELETED names that device", () =>
    run(
      Effect.gen(function* () {
        const server = yield* startFakeQmpServer()
        server.returns("device_del", {})
        const monitor = yield* connectMonitor(server.path)
        const deleting = yield* Effect.forkChild(deleteDevice(monitor, "vdb"))
        yield* Effect.promise(() => server.nextRequest("device_del"))
        server.event("DEVICE_DELETED", { path: "/machine/peripheral/vdb/virtio-backend" })
        server.event("DEVICE_DELETED", { device: "other", path: "/machine/peripheral/other" })
        // A round trip after the events: they have been delivered by the time its reply arrives.
        yield* queryStatus(monitor)
        yield* Effect.yieldNow
        assert.equal(deleting.pollUnsafe(), undefined, "still waiting after other devices' events")
        server.event("DEVICE_DELETED", { device: "vdb", path: "/machine/peripheral/vdb" })
        yield* Fiber.join(deleting)
      }),
    ))

  it("V3 deleteDevice without the guest's acknowledgement ends in a QmpTimeout", () =>
    run(
      Effect.gen(function* () {
        const server = yield* startFakeQmpServer()
        server.returns("device_del", {})
        const monitor = yield* connectMonitor(server.path)
        const reason = yield* reasonOf(deleteDevice(monitor, "vdb", { timeoutMs: 50 }))
        assert.ok(reason._tag === "QmpTimeout" && reason.command === "await DEVICE_DELETED")
      }),
    ))

  it("decodes query-block, balloon statistics and HMP text; sends blockdev options in QEMU's spelling", () =>
    run(
      Effect.gen(function* () {
        const server = yield* startFakeQmpServer()
        server.returns("query-block", [
          {
            device: "",
            qdev: "cd0",
            removable: true,
            locked: false,
            tray_open: false,
            type: "unknown",
            inserted: {
              file: "/isos/a.iso",
              "node-name": "iso0",
              ro: true,
              drv: "raw",
              encrypted: false,
              image: { filename: "/isos/a.iso", format: "raw", "virtual-size": 1024, "actual-size": 512 },
            },
          },
        ])
        server.returns("qom-get", { stats: { "stat-total-memory": 100, "stat-free-memory": 40 }, "last-update": 7 })
        server.returns("human-monitor-command", "ID TAG\r\n")
        const monitor = yield* connectMonitor(server.path)
        const [cd] = yield* queryBlock(monitor)
        assert.equal(cd?.trayOpen, false)
        assert.equal(cd?.inserted?.nodeName, "iso0")
        assert.equal(cd?.inserted?.image.virtualSize, 1024)
        const stats = yield* balloonGuestStats(monitor, peripheralPath("balloon0"))
        assert.deepEqual(stats, { stats: { "stat-total-memory": 100, "stat-free-memory": 40 }, lastUpdate: 7 })
        assert.deepEqual(server.requests.at(-1)?.arguments, {
          path: "/machine/peripheral/balloon0",
          property: "guest-stats",
        })
        assert.equal(yield* humanMonitorCommand(monitor, "info snapshots"), "ID TAG\r\n")
        assert.deepEqual(qcow2Node({ nodeName: "d1", filename: "/v/d1.qcow2", backing: null }), {
          driver: "qcow2",
          "node-name": "d1",
          backing: null,
          file: { driver: "file", filename: "/v/d1.qcow2", "node-name": "d1-file" },
        })
      }),
    ))
})
