import { Deferred, Effect, Option } from "effect"
import { Superseded } from "../errors.ts"
import { EventBus } from "../events/bus.ts"
import type { Operation } from "../model/operation.ts"
import { perBus } from "./per-bus.ts"
import { VmLocks } from "./vm-lock.ts"

/** The graceful stops and reboots this agent runs, by VM: each waits on its request to be cut short. */
const requestsOf = perBus(() => new Map<string, Deferred.Deferred<Operation>>())

/** How long a forced operation waits for the graceful one it cut short to settle and free the VM. */
const settleWaitMs = 30_000

/**
 * B1 B3: a graceful stop's or reboot's work, which a forced one asked meanwhile may cut short (see `supersede`): it
 * then fails with Superseded, so its task records "cancelled" and the VM goes back where the work found it.
 */
export const supersedable = <A, E, R>(vmId: string, work: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const requests = requestsOf(yield* EventBus)
    const request = yield* Deferred.make<Operation>()
    requests.set(vmId, request)
    const cutShort = Effect.flatMap(Deferred.await(request), (by) => Effect.fail(new Superseded({ vmId, by })))
    return yield* Effect.raceFirst(work, cutShort).pipe(
      Effect.ensuring(
        Effect.sync(() => {
          if (requests.get(vmId) === request) requests.delete(vmId)
        }),
      ),
    )
  })

/** How long a forced operation looks for the graceful one's request: its work starts just after its task is recorded. */
const registerWaitMs = 2_000

/**
 * Cuts short the graceful stop or reboot this agent runs on the VM, if any, and waits until it has settled and freed
 * the VM: true then; false when there was none, or when it did not settle in time. `pending`: the VM shows a
 * graceful stop's or reboot's state, whose work may not have started yet (the request is looked for a moment).
 */
export const supersede = (vmId: string, by: Operation, pending: boolean) =>
  Effect.gen(function* () {
    const requests = requestsOf(yield* EventBus)
    const locks = yield* VmLocks
    const registered = Effect.gen(function* () {
      for (;;) {
        const request = requests.get(vmId)
        if (request !== undefined || !pending || !locks.isHeld(vmId)) return request
        yield* Effect.sleep("10 millis")
      }
    })
    const request = Option.flatMap(yield* Effect.timeoutOption(registered, registerWaitMs), Option.fromUndefinedOr)
    if (Option.isNone(request)) return false
    yield* Deferred.succeed(request.value, by)
    const freed = Effect.gen(function* () {
      while (locks.isHeld(vmId)) yield* Effect.sleep("10 millis")
    })
    return Option.isSome(yield* Effect.timeoutOption(freed, settleWaitMs))
  })
