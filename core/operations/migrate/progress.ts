import { Effect, Stream } from "effect"
import type { MigrationProgress } from "../../driver/driver.ts"
import { EventBus } from "../../events/bus.ts"
import type { Vm } from "../../model/vm.ts"
import { scopeOf } from "../vm-state.ts"

/** The least time between two progress events of one migration, besides phase changes (the relay's NOTIFY load). */
const EVERY_MS = 500

const whole = (n: number) => (Number.isFinite(n) ? Math.max(0, Math.round(n)) : 0)

/**
 * R9: the driver's progress samples of one migration as `vm-migration` events on the bus (so on the events
 * WebSocket of every agent of the cluster): every phase change, and otherwise at most one sample per EVERY_MS.
 * Runs until interrupted.
 */
export const publishProgress = (samples: Stream.Stream<MigrationProgress>, vm: Vm, taskId: string) =>
  Effect.gen(function* () {
    const bus = yield* EventBus
    let last: { readonly phase: string; readonly at: number } | undefined
    yield* Stream.runForEach(
      Stream.filter(samples, (s) => s.name === vm.hostname),
      (s) => {
        const at = s.at.getTime()
        if (last !== undefined && last.phase === s.phase && at - last.at < EVERY_MS) return Effect.void
        last = { phase: s.phase, at }
        return bus.publish({
          _tag: "vm-migration",
          ...scopeOf(vm),
          vmId: vm.id,
          taskId,
          phase: s.phase,
          transferredBytes: whole(s.transferredBytes),
          remainingBytes: whole(s.remainingBytes),
          dirtyPagesRate: whole(s.dirtyPagesRate),
          expectedDowntimeMs: whole(s.expectedDowntimeMs),
          at: s.at,
        })
      },
    )
  })
