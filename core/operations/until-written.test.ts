import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Clock, Duration, Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { StoreError } from "../errors.ts"
import { outcomeRetryCeiling, untilWritten } from "./until-written.ts"

const away = new StoreError({ operation: "task.update", message: "connect ECONNREFUSED", retryable: true })
const broken = new StoreError({ operation: "task.update", message: "syntax error", retryable: false })

/** A write that fails with `error` until it has been tried `failures` times; counts its tries. */
const flakyWrite = (failures: number, error: StoreError) => {
  let tries = 0
  const write = Effect.suspend(() => {
    tries += 1
    return tries <= failures ? Effect.fail(error) : Effect.succeed("written")
  })
  return { write, tries: () => tries }
}

const underTestClock = <A, E>(body: Effect.Effect<A, E>) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const clock = yield* TestClock.make()
        return yield* Effect.provideService(body, Clock.Clock, clock)
      }),
    ),
  )

describe("an outcome written until the database is back (#14 defect 2, H1)", () => {
  it("a database away for a minute: the write goes through once it is back, tried at most every 2 s meanwhile", () =>
    underTestClock(
      Effect.gen(function* () {
        // Away for 40 tries: with 2 s between tries at most, about a minute of outage.
        const { write, tries } = flakyWrite(40, away)
        const fiber = yield* Effect.forkChild(untilWritten("test outcome", write))
        yield* TestClock.adjust("30 seconds")
        assert.equal(fiber.pollUnsafe(), undefined, "still trying while the database is away")
        const triedBy30s = tries()
        assert.ok(triedBy30s >= 15 && triedBy30s < 40, `tried ${triedBy30s} times in 30 s`)
        yield* TestClock.adjust(Duration.times(outcomeRetryCeiling, 40))
        assert.equal(yield* Fiber.join(fiber), "written")
        assert.equal(tries(), 41)
      }),
    ))

  it("a failure that is not the database being away fails at once, untried again", () =>
    underTestClock(
      Effect.gen(function* () {
        const { write, tries } = flakyWrite(1, broken)
        const exit = yield* Effect.exit(untilWritten("test outcome", write))
        assert.ok(Exit.isFailure(exit))
        assert.equal(tries(), 1)
      }),
    ))
})
