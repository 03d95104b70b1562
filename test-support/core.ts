import { randomBytes, randomUUID } from "node:crypto"
import { after, before } from "node:test"
import { Effect, Exit, Layer, ManagedRuntime, Scope, Stream } from "effect"
import type { HostConfig } from "../core/config.ts"
import type { StoreError } from "../core/errors.ts"
import { EventBus } from "../core/events/bus.ts"
import { coreLayer } from "../core/layer.ts"
import type { PlatformEvent } from "../core/model/event.ts"
import type { TaskHandle } from "../core/operations/run-vm-operation.ts"
import { seedWorld, type World } from "../core/operations/testing/world.ts"
import { DriverWatchLayer } from "../core/operations/watch.ts"
import type { Store } from "../core/store/ports.ts"
import type { StoreBackend } from "../core/store/testing.ts"
import { type FakeDriver, makeFakeDriver } from "../plugins/fake/index.ts"

type CoreServices = Layer.Success<ReturnType<typeof coreLayer>> | Store

export interface Core {
  readonly fake: FakeDriver
  readonly world: World
  readonly host: HostConfig["Service"]
  readonly run: <A, E>(effect: Effect.Effect<A, E, CoreServices>) => Promise<A>
  /** Run an operation and wait for its task to finish. */
  readonly complete: <E>(operation: Effect.Effect<TaskHandle, E, CoreServices>) => Promise<TaskHandle["task"]>
  /** Every platform event published from now on. */
  /** Poll until the check passes (state that settles in the background), failing after `ms`. */
  readonly eventually: <A>(check: () => Promise<A | undefined>, ms?: number) => Promise<A>
  readonly record: () => Promise<{ readonly events: Array<PlatformEvent>; readonly stop: () => void }>
}

/**
 * The core for the tests of the enclosing describe, over a real store backend and the fake driver: built before
 * the first test, disposed after the last. Tests share one world; give each its own VM.
 */
export const useCore = (
  backend: StoreBackend,
  options: {
    readonly shutdownTimeoutMs?: number
    readonly watch?: boolean
    /** The fake's live migration: how long each of its five steps takes (default 10 ms). */
    readonly migrationStepMs?: number
  } = {},
): Core => {
  let runtime: ManagedRuntime.ManagedRuntime<CoreServices, StoreError> | undefined
  let fake: FakeDriver | undefined
  let world: World | undefined
  const host: HostConfig["Service"] = {
    hostId: randomUUID(),
    storageDir: "/var/lib/hyperx/disks",
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 2000,
    secretKey: randomBytes(32),
  }
  before(async () => {
    fake = await Effect.runPromise(
      makeFakeDriver({ bootDelayMs: 0, shutdownDelayMs: 0, migrationStepMs: options.migrationStepMs }),
    )
    const base = Layer.merge(coreLayer({ host, drivers: [fake.driver] }), backend.layer())
    runtime = ManagedRuntime.make(options.watch ? Layer.provideMerge(DriverWatchLayer, base) : base)
    world = await runtime.runPromise(seedWorld(fake.driver.name, host.hostId))
  })
  after(() => runtime?.dispose())
  const live = () => {
    if (!runtime || !fake || !world) throw new Error("useCore: used before its before() hook")
    return { runtime, fake, world }
  }
  const run: Core["run"] = (effect) => live().runtime.runPromise(effect)
  return {
    get fake() {
      return live().fake
    },
    get world() {
      return live().world
    },
    host,
    run,
    eventually: async (check, ms = 5000) => {
      const until = Date.now() + ms
      for (;;) {
        const value = await check()
        if (value !== undefined) return value
        if (Date.now() > until) throw new Error("eventually: the condition did not hold in time")
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
    complete: (operation) => run(Effect.flatMap(operation, (handle) => handle.done)),
    record: async () => {
      const events: Array<PlatformEvent> = []
      const scope = await run(Scope.make())
      const stream = await run(
        Effect.gen(function* () {
          const bus = yield* EventBus
          return yield* bus.subscribe
        }).pipe(Scope.provide(scope)),
      )
      live().runtime.runFork(Stream.runForEach(stream, (e) => Effect.sync(() => events.push(e))))
      return { events, stop: () => void run(Scope.close(scope, Exit.void)) }
    },
  }
}
