import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { once } from "node:events"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { Effect, Stream, SubscriptionRef } from "effect"
import { scratchDatabase } from "../store/testing.ts"
import { awaitLeading, Leadership } from "./leader.ts"
import { candidate, killLockHolder } from "./testing/lock.ts"

const adminUrl = process.env.TEST_DATABASE_URL
// As the store's tests: skipped without a server, except in CI, where a missing server fails the run.
const skip = (adminUrl ?? "") === "" && process.env.CI !== "true" ? "TEST_DATABASE_URL not set" : false

const leads = (l: Leadership["Service"], value: boolean) =>
  awaitLeading(value).pipe(Effect.provideService(Leadership, l), Effect.timeout("20 seconds"))

describe("leader lock on PostgreSQL", { skip }, () => {
  it("#16 one of two candidates leads; its session killed, it stops leading and one leads again; never both", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const admin = adminUrl as string
          const db = yield* scratchDatabase(admin)
          const a = yield* candidate(db.url)
          yield* leads(a, true)
          const b = yield* candidate(db.url)
          // Every moment both read true is recorded: the test fails on any overlap, however short.
          const overlaps: Array<string> = []
          const watch = (self: Leadership["Service"], other: Leadership["Service"], name: string) =>
            Effect.forkScoped(
              Stream.runForEach(SubscriptionRef.changes(self.leading), (now) =>
                Effect.map(SubscriptionRef.get(other.leading), (theirs) => {
                  if (now && theirs) overlaps.push(name)
                }),
              ),
            )
          yield* watch(a, b, "b led while a did")
          yield* watch(b, a, "a led while b did")
          // One lock, one holder: b's session (connected, trying every 200 ms) never shows in the watchers above.

          yield* killLockHolder(admin, db.name)
          yield* leads(a, false)
          // Whichever asks first gets the lock again (a reconnects too), and only one of them.
          yield* Effect.raceFirst(leads(a, true), leads(b, true))
          const now = [yield* SubscriptionRef.get(a.leading), yield* SubscriptionRef.get(b.leading)]
          assert.equal(now.filter(Boolean).length, 1)
          assert.deepEqual(overlaps, [])
        }),
      ),
    ))

  it("#16 a leader that shuts down frees the lock for the next at once", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const admin = adminUrl as string
          const db = yield* scratchDatabase(admin)
          const first = yield* Effect.scoped(
            Effect.gen(function* () {
              const a = yield* candidate(db.url)
              yield* leads(a, true)
              return a
            }),
          )
          const b = yield* candidate(db.url)
          yield* leads(b, true)
          assert.equal(yield* SubscriptionRef.get(first.leading), false)
        }),
      ),
    ))

  it("#16 a leader whose process is killed (SIGKILL) loses the lock to the next candidate within seconds", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const admin = adminUrl as string
          const db = yield* scratchDatabase(admin)
          const script = fileURLToPath(new URL("./testing/lock-holder.ts", import.meta.url))
          const holder = yield* Effect.acquireRelease(
            Effect.sync(() => spawn(process.execPath, ["--import", "tsx", script, db.url], { stdio: "pipe" })),
            (child) => Effect.sync(() => child.kill("SIGKILL")),
          )
          const [line] = yield* Effect.promise(() => once(holder.stdout, "data"))
          assert.equal(String(line).trim(), "leading")
          const b = yield* candidate(db.url)
          // While the holder lives, b follows; the holder is killed: the server frees its lock, b takes it.
          assert.equal(yield* SubscriptionRef.get(b.leading), false)
          holder.kill("SIGKILL")
          yield* leads(b, true)
        }),
      ),
    ))
})
