/**
 * #21 The Promise adapter: what a driver written with async functions throws becomes the contract's DriverError with
 * the reason it names (anything else a hypervisor failure); its events reach the contract's stream; closing the
 * scope stops its watcher and closes it. (The whole conformance run of a Promise driver: agent/cli/driver-plugin.test.ts.)
 */
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect, Fiber, Stream } from "effect"
import type { DriverEvent } from "./driver.ts"
import { fromPromiseDriver, type PromiseDriver, PromiseDriverError } from "./promise-adapter.ts"

const made = () => {
  const calls: Array<string> = []
  let emit: ((event: DriverEvent) => void) | undefined
  const impl: PromiseDriver = {
    name: "promised",
    version: "1.0.0",
    capabilities: ["lifecycle", "events"],
    define: async () => {},
    undefine: async () => {},
    start: async () => {
      throw new Error("the socket broke")
    },
    shutdown: async (name) => {
      throw new PromiseDriverError("wrong-power-state", `${name} is paused`, { name, power: "paused" })
    },
    reboot: async () => {
      throw new PromiseDriverError("failure", "busy", { retryable: true })
    },
    inspect: async (name) => {
      throw new PromiseDriverError("not-found", `no ${name}`, { name })
    },
    list: async () => [{ name: "a", power: "running" }],
    volumes: { create: async () => {}, remove: async () => {} },
    events: (callback) => {
      emit = callback
      return () => {
        calls.push("unsubscribe")
      }
    },
    close: async () => {
      calls.push("close")
    },
  }
  return { impl, calls, emit: (event: DriverEvent) => emit?.(event) }
}

describe("#21 the Promise adapter", () => {
  it("gives each thrown error the contract's reason; a plain error is a non-retryable hypervisor failure", async () => {
    const { impl } = made()
    const outcome = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const driver = yield* fromPromiseDriver(() => impl)
          const reasonOf = (effect: Effect.Effect<unknown, { readonly reason: { readonly _tag: string } }>) =>
            effect.pipe(
              Effect.flip,
              Effect.map((error) => error.reason),
            )
          return {
            name: driver.name,
            capabilities: [...driver.capabilities],
            list: yield* driver.list(),
            start: yield* reasonOf(driver.start("a")),
            stop: yield* reasonOf(driver.shutdown("a", { force: true, timeoutMs: 0 })),
            reboot: yield* reasonOf(driver.reboot("a", { force: true })),
            inspect: yield* reasonOf(driver.inspect("ghost")),
          }
        }),
      ),
    )
    assert.equal(outcome.name, "promised")
    assert.deepEqual(outcome.capabilities, ["lifecycle", "events"])
    assert.deepEqual(outcome.list, [{ name: "a", power: "running" }])
    assert.deepEqual(
      [outcome.start._tag, outcome.stop._tag, outcome.reboot._tag, outcome.inspect._tag],
      ["HypervisorFailure", "WrongPowerState", "HypervisorFailure", "DomainNotFound"],
    )
    assert.equal((outcome.start as unknown as { message: string }).message, "the socket broke")
    assert.equal((outcome.start as unknown as { isRetryable: boolean }).isRetryable, false)
    assert.equal((outcome.reboot as unknown as { isRetryable: boolean }).isRetryable, true)
    assert.equal((outcome.stop as unknown as { power: string }).power, "paused")
    assert.equal((outcome.inspect as unknown as { name: string }).name, "ghost")
  })

  it("its events reach the stream; closing the scope unsubscribes, then closes it", async () => {
    const { impl, calls, emit } = made()
    const event: DriverEvent = { name: "a", kind: "powered-off", detail: "guest", at: new Date(0) }
    const seen = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const driver = yield* fromPromiseDriver(() => impl)
          let done = false
          const reader = yield* driver.events.pipe(
            Stream.take(1),
            Stream.runCollect,
            Effect.tap(() =>
              Effect.sync(() => {
                done = true
              }),
            ),
            Effect.forkChild,
          )
          // The stream subscribes some time after it starts running (a hot stream): emit until it has one.
          while (!done) {
            emit(event)
            yield* Effect.sleep(5)
          }
          return yield* Fiber.join(reader)
        }),
      ),
    )
    assert.deepEqual([...seen], [event])
    assert.deepEqual(calls, ["unsubscribe", "close"])
  })
})
