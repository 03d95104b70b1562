import { median } from "../qemu-lifecycle/stats.ts"

/** One operation measured three ways on the same guest, one sample of each per run. */
export interface Measure {
  readonly what: string
  readonly hyperxMs: Array<number>
  /** Of each hyperx run, the time no driver call the core made was in flight: the core's own (driver-time.ts). */
  readonly coreMs: Array<number>
  /** Of each hyperx run, the time a statement to the database was in flight and no driver call was: its share of coreMs. */
  readonly storeMs: Array<number>
  /** Of each hyperx run, the time a garbage collection ran and no driver call was in flight: its share of coreMs. */
  readonly coreGcMs: Array<number>
  /** Of each hyperx run, how many statements the core sent to the database (any load gives the same count). */
  readonly roundTrips: Array<number>
  /** Of those, how many the operation waited for: not sent and answered while one of its driver calls ran. */
  readonly criticalRoundTrips: Array<number>
  readonly driverMs: Array<number>
  readonly rawMs: Array<number>
  /** The bare commands with the guest's file systems frozen around them, as the core does for this operation. */
  readonly rawFrozenMs?: Array<number>
}

const round = (value: number) => Math.round(value * 10) / 10
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : null)
/** The median of the per-run ratios: each run measures the sides back to back, so a busier host favours neither. */
const pairedRatio = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) =>
  Math.round(median(a.map((value, run) => value / (b[run] ?? Number.NaN))) * 1000) / 1000

export const summarise = (measure: Measure) => {
  const hyperx = median(measure.hyperxMs)
  const driver = median(measure.driverMs)
  const raw = median(measure.rawMs)
  const frozen = measure.rawFrozenMs
  /** The like-for-like baseline: the frozen commands where the core freezes, the bare ones otherwise. */
  const baseline = frozen ? median(frozen) : raw
  return {
    what: measure.what,
    hyperxMs: measure.hyperxMs.map(round),
    coreMs: measure.coreMs.map(round),
    storeMs: measure.storeMs.map(round),
    coreGcMs: measure.coreGcMs.map(round),
    roundTripsPerRun: measure.roundTrips,
    criticalRoundTripsPerRun: measure.criticalRoundTrips,
    driverMs: measure.driverMs.map(round),
    rawMs: measure.rawMs.map(round),
    ...(frozen ? { rawFrozenMs: frozen.map(round) } : {}),
    hyperxMedianMs: round(hyperx),
    driverMedianMs: round(driver),
    rawMedianMs: round(raw),
    ...(frozen ? { rawFrozenMedianMs: round(median(frozen)) } : {}),
    /** hyperx ÷ raw: what the platform costs over the bare commands. */
    ratio: ratio(hyperx, raw),
    pairedRatioMedian: pairedRatio(measure.hyperxMs, measure.rawMs),
    ...(frozen
      ? {
          /** hyperx ÷ the bare commands inside a guest-agent freeze and thaw: the same work the core asks for. */
          ratioFrozen: ratio(hyperx, median(frozen)),
          pairedRatioFrozenMedian: pairedRatio(measure.hyperxMs, frozen),
        }
      : {}),
    /**
     * hyperx − baseline, in ms: what the platform adds (records, task, lock, the driver's own checks). It does not
     * grow with the disk: where the command does (a backup copies the data), the ratio falls towards 1 on real disks;
     * a rollback's `qemu-img snapshot -a` takes about as long whatever the disk holds.
     */
    overheadMs: round(hyperx - baseline),
    /**
     * The core's own time over its driver, measured inside each hyperx run (the operation's time less the time its
     * driver calls were in flight), median of the runs: free of the run-to-run spread of the guest's freeze and of
     * the hypervisor, which the difference of medians above carries.
     */
    coreOverheadMs: round(median(measure.coreMs)),
    /** Of coreOverheadMs, the time spent waiting on the database (median of the runs); the rest is the core's CPU. */
    storeOverheadMs: round(median(measure.storeMs)),
    /**
     * Of coreOverheadMs, garbage collection: its mean per run (a collection falls in some runs only, so the median
     * would mostly say 0) and in how many runs one fell. Garbage any side of the bench made may be collected there.
     */
    coreGcMeanMs: round(measure.coreGcMs.reduce((sum, ms) => sum + ms, 0) / Math.max(1, measure.coreGcMs.length)),
    runsWithCoreGc: measure.coreGcMs.filter((ms) => ms > 0).length,
    /** Statements per operation (the most of the runs: a regression guard that load cannot move). */
    roundTrips: Math.max(0, ...measure.roundTrips),
    /**
     * Of them, the statements on the operation's critical path (median of the runs): those not sent and answered
     * within one of its driver calls. A statement that overlaps the driver's work costs the operation nothing; on a
     * busy host one may outlast the driver call it overlaps, hence the median rather than the most.
     */
    criticalRoundTrips: median(measure.criticalRoundTrips),
    /** driver ÷ raw: the driver's share. */
    driverRatio: ratio(driver, raw),
    /** hyperx ÷ driver: the core's share (records, task, lock, and the freeze where the core asks for one). */
    coreRatio: ratio(hyperx, driver),
  }
}

export const timed = async (step: () => Promise<unknown>): Promise<number> => {
  const start = performance.now()
  await step()
  return performance.now() - start
}
