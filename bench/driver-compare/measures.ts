/** What the bench measures, and the summary it prints: medians per driver and libvirt ÷ QEMU. */

export type DriverKey = "qemu" | "libvirt"

export interface Measure {
  readonly what: string
  readonly samples: Record<DriverKey, Array<number>>
}

export const measureNames = [
  "startToBootLine",
  "gracefulStop",
  "forceStop",
  "snapshotWithMemory",
  "revert",
  "revertAndResume",
] as const
export type MeasureName = (typeof measureNames)[number]

const descriptions: Record<MeasureName, string> = {
  startToBootLine: "driver.start of a stopped domain until the guest's boot line is in its serial log",
  gracefulStop: "driver.shutdown(force false) of a booted guest (its agent answering) until the domain is stopped",
  forceStop: "driver.shutdown(force true) of a running guest until the domain is stopped",
  snapshotWithMemory: "driver.snapshots.create(withMemory true) of a running guest",
  revert: "driver.snapshots.revert of the stopped domain to the memory snapshot (the call alone)",
  revertAndResume: "snapshots.revert, then driver.start until the resumed guest prints a heartbeat",
}

export const makeMeasures = (): Record<MeasureName, Measure> => {
  const measure = (name: MeasureName): Measure => ({ what: descriptions[name], samples: { qemu: [], libvirt: [] } })
  return {
    startToBootLine: measure("startToBootLine"),
    gracefulStop: measure("gracefulStop"),
    forceStop: measure("forceStop"),
    snapshotWithMemory: measure("snapshotWithMemory"),
    revert: measure("revert"),
    revertAndResume: measure("revertAndResume"),
  }
}

/** The middle value (the mean of the two middle ones for an even count). */
export const median = (samples: ReadonlyArray<number>): number => {
  const sorted = [...samples].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

const round = (value: number) => Math.round(value * 10) / 10
const ratio = (value: number) => (Number.isFinite(value) ? Math.round(value * 1000) / 1000 : null)

/** Samples, medians and libvirt ÷ QEMU (of the medians, and the median of the per-run ratios) for one measure. */
export const summarise = (measure: Measure) => {
  const qemuMedianMs = median(measure.samples.qemu)
  const libvirtMedianMs = median(measure.samples.libvirt)
  return {
    what: measure.what,
    qemuMs: measure.samples.qemu.map(round),
    libvirtMs: measure.samples.libvirt.map(round),
    qemuMedianMs: round(qemuMedianMs),
    libvirtMedianMs: round(libvirtMedianMs),
    libvirtOverQemu: qemuMedianMs > 0 ? ratio(libvirtMedianMs / qemuMedianMs) : null,
    // each run measures both drivers back to back: the median of those ratios shrugs off a host getting busier
    pairedRatioMedian: ratio(
      median(measure.samples.libvirt.map((ms, run) => ms / (measure.samples.qemu[run] ?? Number.NaN))),
    ),
  }
}
