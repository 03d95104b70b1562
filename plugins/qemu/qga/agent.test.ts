import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect, Fiber, type Scope } from "effect"
import { connectAgent } from "./agent.ts"
import type { QgaError } from "./errors.ts"
import { startFakeQgaServer } from "./testing/fake-qga-server.ts"
import { qgaTimeoutFor } from "./timeouts.ts"

const run = <A, E>(program: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Effect.scoped(program))
const reasonOf = <A, R>(effect: Effect.Effect<A, QgaError, R>) =>
  Effect.flip(effect).pipe(Effect.map((error) => error.reason))

describe("guest-agent channel against a fake qemu-ga", { timeout: 20_000 }, () => {
  it("R11 guest-sync skips lines left by an earlier client until the reply that echoes its random id", () =>
    run(
      Effect.gen(function* () {
        const { server } = yield* startFakeQgaServer({
          staleLines: [
            '{"return": 424242}\n',
            '{"return": {}, "id": "hx-0000-7"}\n',
            Buffer.from([0xff, 0xff]),
            '{"retu\n',
          ],
        })
        const agent = yield* connectAgent(server.path)
        const sync = server.requests.find((request) => request.execute === "guest-sync")
        assert.equal(typeof sync?.arguments?.id, "number")
        assert.deepEqual(yield* agent.execute("guest-ping"), {})
        assert.deepEqual(
          server.requests.map((request) => request.execute),
          ["guest-sync", "guest-ping"],
        )
      }),
    ))

  it("an agent still starting (first guest-sync unanswered) is synced by a later attempt", () =>
    run(
      Effect.gen(function* () {
        const { server } = yield* startFakeQgaServer({ ignoredSyncs: 1 })
        yield* connectAgent(server.path, { timeouts: { table: { "guest-sync": 100 } } })
        const syncs = server.requests.filter((request) => request.execute === "guest-sync")
        assert.equal(syncs.length, 2)
        assert.notEqual(syncs[0]?.arguments?.id, syncs[1]?.arguments?.id, "each attempt uses a fresh id")
      }),
    ))

  it("an agent that never answers fails the connection with a retryable QgaSyncFailed", () =>
    run(
      Effect.gen(function* () {
        const { server } = yield* startFakeQgaServer()
        server.on("guest-sync", () => undefined)
        const reason = yield* reasonOf(
          connectAgent(server.path, { syncTimeoutMs: 300, timeouts: { table: { "guest-sync": 100 } } }),
        )
        assert.equal(reason._tag, "QgaSyncFailed")
        assert.equal(reason.isRetryable, true)
      }),
    ))

  it("a command the agent never answers fails with QgaTimeout; an error reply with QgaCommandError", () =>
    run(
      Effect.gen(function* () {
        const { server } = yield* startFakeQgaServer()
        server.on("guest-get-users", () => undefined)
        const agent = yield* connectAgent(server.path)
        const timedOut = yield* reasonOf(agent.execute("guest-get-users", undefined, { timeoutMs: 50 }))
        assert.ok(timedOut._tag === "QgaTimeout" && timedOut.afterMs === 50 && timedOut.isRetryable)
        const refused = yield* reasonOf(agent.execute("guest-no-such-command"))
        assert.ok(refused._tag === "QgaCommandError" && refused.errorClass === "CommandNotFound")
        assert.equal(refused.isRetryable, false)
      }),
    ))

  it("a channel that closes fails the pending command with QgaDisconnected", () =>
    run(
      Effect.gen(function* () {
        const { server } = yield* startFakeQgaServer()
        server.on("guest-get-time", () => undefined)
        const agent = yield* connectAgent(server.path)
        const pending = yield* Effect.forkChild(
          reasonOf(agent.execute("guest-get-time", undefined, { timeoutMs: 10_000 })),
        )
        yield* Effect.promise(() => server.nextRequest("guest-get-time"))
        server.dropClients()
        assert.equal((yield* Fiber.join(pending))._tag, "QgaDisconnected")
        assert.equal(yield* agent.isConnected, false)
      }),
    ))

  it("looks budgets up in the guest-agent timeout table", () => {
    assert.equal(qgaTimeoutFor("guest-ping"), 2_000)
    assert.equal(qgaTimeoutFor("guest-fsfreeze-freeze"), 60_000)
    assert.equal(qgaTimeoutFor("guest-ping", { scale: 2 }), 4_000)
  })
})
