import { Effect } from "effect"
import type { QemuDriver } from "../../plugins/qemu/driver/driver.ts"
import { covered } from "../shared/query-counter.ts"

/**
 * How long the core's operation waited on its driver: the driver the core gets has its snapshot, backup and quiesce
 * calls timed (from when each runs to when it ends), and calls that overlap (the size read back while the guest
 * thaws) count once. What remains of the operation's time is the core's own: records, task, lock, checks.
 */
export const makeDriverClock = () => {
  let intervals: Array<readonly [number, number]> | undefined
  const timed = <F extends (...args: Array<never>) => unknown>(call: F): F =>
    ((...args: Parameters<F>) => {
      const made = call(...args)
      if (!Effect.isEffect(made)) return made
      return Effect.suspend(() => {
        const start = performance.now()
        return Effect.ensuring(
          made,
          Effect.sync(() => intervals?.push([start, performance.now()])),
        )
      })
    }) as F
  const group = <G extends object>(calls: G): G =>
    Object.fromEntries(
      Object.entries(calls).map(([name, call]) => [
        name,
        typeof call === "function" ? timed(call as (...args: Array<never>) => unknown) : call,
      ]),
    ) as G
  return {
    /** The driver as the core should see it. */
    wrap: (driver: QemuDriver): QemuDriver => ({
      ...driver,
      snapshots: group(driver.snapshots),
      backups: group(driver.backups),
      quiesce: group(driver.quiesce),
    }),
    /**
     * Runs `step`; its whole time, the time a driver call the core made meanwhile was in flight, and those calls'
     * intervals (performance.now()).
     */
    within: async (step: () => Promise<unknown>) => {
      const spans: Array<readonly [number, number]> = []
      intervals = spans
      const start = performance.now()
      try {
        await step()
      } finally {
        intervals = undefined
      }
      return { totalMs: performance.now() - start, driverMs: covered(spans), spans, start }
    },
  }
}
