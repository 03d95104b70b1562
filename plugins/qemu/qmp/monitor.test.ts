import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect, Fiber, type Scope, Stream } from "effect"
import { type QmpError, QmpTimeout } from "./errors.ts"
import { connectMonitor } from "./monitor.ts"
import { eventLine, fakeQemuVersion, startFakeQmpServer } from "./testing/fake-qmp-server.ts"
import { timeoutFor } from "./timeouts.ts"

const run = <A, E>(program: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Effect.scoped(program))

const failureOf = <A, R>(effect: Effect.Effect<A, QmpError, R>) =>
  Effect.flip(effect).pipe(Effect.map((error) => error.reason))

const waitFor = <A>(promise: () => Promise<A>) => Effect.promise(promise)

describe("QMP monitor against a fake QEMU", { timeout: 20_000 }, () => {
  it("reads the greeting and negotiates capabilities before anything else", () =>
    run(
      Effect.gen(function* () {
        const server = yield* startFakeQmpServer()
        const monitor = yield* connectMonitor(server.path)
        assert.equal(monitor.greeting.version.qemu.major, 7)
        assert.deepEqual(monitor.greeting.capabilities, ["oob"])
        assert.equal(server.requests[0]?.execute, "qmp_capabilities")
        assert.deepEqual(yield* monitor.execute("query-status"), {
          status: "running",
          singlestep: false,
          running: true,
        })
      }),
    ))

  it("matches replies to their requests by id when QEMU answers out of order", () =>
    run(
      Effect.gen(function* () {
        const server = yield* startFakeQmpServer()
        server.on("slow", () => undefined)
        server.on("fast", (fast, peer) => {
          const slow = peer.requests.find((request) => request.execute === "slow")
          peer.reply(fast, { return: "fast-answer" })
          if (slow) peer.reply(slow, { return: "slow-answer" })
          return undefined
        })
        const monitor = yield* connectMonitor(server.path)
        const slow = yield* Effect.forkChild(monitor.execute("slow"))
        yield* waitFor(() => server.nextRequest("slow"))
        assert.equal(yield* monitor.execute("fast"), "fast-answer")
        assert.equal(yield* Fiber.join(slow), "slow-answer")
      }),
    ))

  it("decodes replies and events split across chunks or merged into one chunk", () =>
    run(
      Effect.gen(function* () {
        const server = yield* startFakeQmpServer()
        const monitor = yield* connectMonitor(server.path)
        const events = yield* Effect.forkChild(Stream.runCollect(Stream.take(monitor.events, 2)))
        server.on("one", () => undefined).on("two", () => undefined)
        const one = yield* Effect.forkChild(monitor.execute("one"))
        const two = yield* Effect.forkChild(monitor.execute("two"))
        const first = yield* waitFor(() => server.nextRequest("one"))
        const second = yield* waitFor(() => server.nextRequest("two"))
        const merged = `${eventLine("STOP")}${JSON.stringify({ return: "磁盘", id: first.id })}\n${eventLine("RESUME")}`
        const bytes = Buffer.from(`${merged}${JSON.stringify({ return: 2, id: second.id })}\n`)
        // One byte at a time, across the multi-byte characters too.
        for (const byte of bytes) server.writeRaw(Buffer.from([byte]))
        assert.equal(yield* Fiber.join(one), "磁盘")
        assert.equal(yield* Fiber.join(two), 2)
        assert.deepEqual(
          (yield* Fiber.join(events)).map((event) => event._tag),
          ["STOP", "RESUME"],
        )
      }),
    ))

  it("types known events, passes unknown ones through, and keeps answering commands in between", () =>
    run(
      Effect.gen(function* () {
        const server = yield* startFakeQmpServer()
        server.on("query-status", (request, peer) => {
          peer.event("SHUTDOWN", { guest: true, reason: "guest-shutdown" })
          peer.event("NIC_RX_FILTER_CHANGED", { path: "/machine/peripheral/net0" })
          peer.event("DEVICE_TRAY_MOVED", { device: "", id: "cd0", "tray-open": true })
          peer.reply(request, { return: { status: "shutdown", running: false } })
          return undefined
        })
        const monitor = yield* connectMonitor(server.path)
        const events = yield* Effect.forkChild(Stream.runCollect(Stream.take(monitor.events, 3)))
        yield* Effect.yieldNow
        assert.deepEqual(yield* monitor.execute("query-status"), { status: "shutdown", running: false })
        const [shutdown, other, tray] = yield* Fiber.join(events)
        assert.equal(shutdown?._tag, "SHUTDOWN")
        assert.ok(shutdown?._tag === "SHUTDOWN" && shutdown.guest && shutdown.reason === "guest-shutdown")
        assert.ok(shutdown.at instanceof Date)
        assert.ok(other?._tag === "Other" && other.event === "NIC_RX_FILTER_CHANGED")
        assert.deepEqual(other.data, { path: "/machine/peripheral/net0" })
        assert.ok(tray?._tag === "DEVICE_TRAY_MOVED" && tray.id === "cd0" && tray.trayOpen)
      }),
    ))

  it("fails with QmpCommandError carrying QEMU's class and description", () =>
    run(
      Effect.gen(function* () {
        const server = yield* startFakeQmpServer()
        server.on("device_del", () => ({ error: { class: "DeviceNotFound", desc: "Device 'nope' not found" } }))
        server.on("blockdev-add", () => ({
          error: { class: "GenericError", desc: 'Failed to get "write" lock\nIs another process using the image?' },
        }))
        const monitor = yield* connectMonitor(server.path)
        const notFound = yield* failureOf(monitor.execute("device_del", { id: "nope" }))
        assert.ok(notFound._tag === "QmpCommandError")
        assert.equal(notFound.errorClass, "DeviceNotFound")
        assert.equal(notFound.desc, "Device 'nope' not found")
        assert.equal(notFound.isRetryable, false)
        const locked = yield* failureOf(monitor.execute("blockdev-add", { driver: "qcow2", "node-name": "d" }))
        assert.ok(locked._tag === "QmpCommandError" && locked.isRetryable, "an image lock held elsewhere may clear")
      }),
    ))

  it("fails a command QEMU never answers with a retryable QmpTimeout, and the monitor stays usable", () =>
    run(
      Effect.gen(function* () {
        const server = yield* startFakeQmpServer()
        server.on("stop", () => undefined)
        const monitor = yield* connectMonitor(server.path)
        const timedOut = yield* failureOf(monitor.execute("stop", undefined, { timeoutMs: 50 }))
        assert.ok(timedOut instanceof QmpTimeout)
        assert.equal(timedOut.command, "stop")
        assert.equal(timedOut.afterMs, 50)
        assert.equal(timedOut.isRetryable, true)
        // The late answer to the timed-out request must not be taken for the next one.
        const late = server.requests.find((request) => request.execute === "stop")
        if (late) server.reply(late, { return: "late" })
        assert.deepEqual(yield* monitor.execute("query-version"), fakeQemuVersion)
      }),
    ))

  it("when QEMU goes away, fails pending commands and ends every event stream with a synthetic SHUTDOWN", () =>
    run(
      Effect.gen(function* () {
        const server = yield* startFakeQmpServer()
        server.on("cont", () => undefined)
        const monitor = yield* connectMonitor(server.path)
        const events = yield* Effect.forkChild(Stream.runCollect(monitor.events))
        const pending = yield* Effect.forkChild(failureOf(monitor.execute("cont", undefined, { timeoutMs: 10_000 })))
        yield* waitFor(() => server.nextRequest("cont"))
        server.event("STOP")
        server.dropClients()

        const reason = yield* Fiber.join(pending)
        assert.equal(reason._tag, "QmpDisconnected")
        assert.equal(reason.isRetryable, true)
        const seen = yield* Fiber.join(events)
        assert.deepEqual(
          seen.map((event) => (event._tag === "SHUTDOWN" ? `SHUTDOWN:${event.reason}:${event.guest}` : event._tag)),
          ["STOP", "SHUTDOWN:disconnected:false"],
        )
        assert.equal(yield* monitor.isConnected, false)
        assert.equal(typeof (yield* monitor.awaitDisconnect), "string")
        const late = yield* Stream.runCollect(monitor.events)
        assert.deepEqual(
          late.map((event) => event._tag),
          ["SHUTDOWN"],
        )
        const after = yield* failureOf(monitor.execute("query-status"))
        assert.equal(after._tag, "QmpDisconnected")
      }),
    ))

  it("closing the scope closes the socket without inventing a SHUTDOWN", () =>
    run(
      Effect.gen(function* () {
        const server = yield* startFakeQmpServer()
        const seen: Array<string> = []
        yield* Effect.scoped(
          Effect.gen(function* () {
            const monitor = yield* connectMonitor(server.path)
            yield* Effect.forkScoped(
              Stream.runForEach(monitor.events, (event) => Effect.sync(() => seen.push(event._tag))),
            )
            yield* monitor.execute("query-status")
            assert.equal(server.clientCount, 1)
          }),
        )
        yield* waitFor(() => server.whenNoClients())
        assert.equal(server.clientCount, 0)
        assert.deepEqual(seen, [])
      }),
    ))

  it("reports a missing socket, and a monitor that never greets, as a retryable QmpConnectFailed", () =>
    run(
      Effect.gen(function* () {
        const missing = yield* failureOf(connectMonitor("/nonexistent/hx/qmp.sock", { connectTimeoutMs: 150 }))
        assert.equal(missing._tag, "QmpConnectFailed")
        assert.equal(missing.isRetryable, true)
        const silent = yield* startFakeQmpServer({ greet: false })
        const busy = yield* failureOf(connectMonitor(silent.path, { connectTimeoutMs: 150 }))
        assert.ok(busy._tag === "QmpConnectFailed" && /greeting/.test(busy.detail))
      }),
    ))

  it("looks budgets up in the timeout table, with per-monitor overrides", () => {
    assert.equal(timeoutFor("query-status"), 500)
    assert.equal(timeoutFor("blockdev-add"), 5_000)
    assert.equal(timeoutFor("job:snapshot-save"), 60_000)
    assert.equal(timeoutFor("query-status", { defaultMs: 800 }), 800)
    assert.equal(timeoutFor("blockdev-add", { table: { "blockdev-add": 9_000 } }), 9_000)
    assert.equal(timeoutFor("blockdev-add", { scale: 3 }), 15_000)
  })
})
