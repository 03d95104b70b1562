import assert from "node:assert/strict"
import { Effect } from "effect"
import type { DriverError, DriverErrorReason } from "../../core/driver/errors.ts"
import { type FakeDriver, type FakeDriverOptions, makeFakeDriver } from "./driver.ts"
import { sampleVmSpec } from "./fixtures.ts"

/** Runs a test body against a fresh fake with short delays. */
export const withFake = <A, E>(
  body: (fake: FakeDriver) => Effect.Effect<A, E>,
  options: FakeDriverOptions = {},
): Promise<A> =>
  Effect.runPromise(makeFakeDriver({ bootDelayMs: 1, shutdownDelayMs: 2, ...options }).pipe(Effect.flatMap(body)))

/** A defined domain, started when asked. */
export const defined = (fake: FakeDriver, name: string, options: { readonly running?: boolean } = {}) =>
  Effect.gen(function* () {
    yield* fake.driver.define(sampleVmSpec(name))
    if (options.running) yield* fake.driver.start(name)
  })

/** Fails the test unless `effect` fails with a DriverError for `operation` whose reason has the given tag. */
export const expectFailure = <A>(
  effect: Effect.Effect<A, DriverError>,
  tag: DriverErrorReason["_tag"],
  operation?: string,
): Effect.Effect<DriverError> =>
  effect.pipe(
    Effect.andThen(Effect.die(new Error(`expected a ${tag} failure, but the call succeeded`))),
    Effect.flip,
    Effect.tap((error) =>
      Effect.sync(() => {
        assert.equal(error._tag, "DriverError")
        assert.equal(error.reason._tag, tag, error.message)
        if (operation !== undefined) assert.equal(error.operation, operation)
      }),
    ),
  )

export const powerOf = (fake: FakeDriver, name: string) =>
  fake.driver.inspect(name).pipe(Effect.map((info) => info.power))
