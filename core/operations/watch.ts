import { Effect, Layer, Stream } from "effect"
import { HostConfig } from "../config.ts"
import type { DriverEvent } from "../driver/driver.ts"
import { DriverRegistry } from "../driver/registry.ts"
import { isTransient } from "../lifecycle/states.ts"
import type { VmState } from "../model/vm.ts"
import { Store } from "../store/ports.ts"
import { power } from "./power.ts"
import { systemActor } from "./system-actor.ts"
import { VmLocks } from "./vm-lock.ts"
import { moveVm } from "./vm-state.ts"

/** What a change the platform did not cause means for the record. A reset changes no state. */
const observedState: Record<DriverEvent["kind"], VmState | undefined> = {
  "powered-off": "stopped",
  "process-exited": "stopped",
  crashed: "error",
  started: "running",
  reset: undefined,
}

/**
 * One outside change: update the record and, for an HA VM that went down without being asked (R12: shut down
 * inside the guest, crashed, or its process killed), power it on again. A VM with an operation in flight is
 * left to that operation, which reconciles on its own when it settles.
 */
const handle = Effect.fn("watch.handle")(function* (event: DriverEvent) {
  const store = yield* Store
  const config = yield* HostConfig
  const locks = yield* VmLocks
  const [vm] = yield* store.vms.list({ hostId: config.hostId, hostname: event.name })
  const to = observedState[event.kind]
  if (vm === undefined || to === undefined || locks.isHeld(vm.id) || isTransient(vm.state)) return
  if (vm.state !== to) yield* moveVm(vm, to, "outside", `${event.kind}: ${event.detail}`)
  if (to !== "running" && vm.state === "running" && vm.haEnabled) {
    yield* power(systemActor(vm), vm.id, "start").pipe(
      Effect.tapError((error) => Effect.logWarning(`HA could not restart ${vm.hostname}`, error)),
      Effect.ignore,
    )
  }
})

/** Follow every driver's events for as long as the agent runs; one bad event never stops the watch. */
export const watchDriverEvents = Effect.gen(function* () {
  const registry = yield* DriverRegistry
  yield* Effect.forEach(
    registry.all,
    (driver) =>
      Stream.runForEach(driver.events, (event) =>
        handle(event).pipe(Effect.catchCause((cause) => Effect.logWarning(`event ${event.kind} ${event.name}`, cause))),
      ),
    { concurrency: "unbounded", discard: true },
  )
})

/** The watch as a layer: started with the agent, stopped with it. */
export const DriverWatchLayer = Layer.effectDiscard(Effect.forkScoped(watchDriverEvents))
