import { availableParallelism, cpus, loadavg } from "node:os"

/** The host's 1-, 5- and 15-minute load averages, to two decimals, for a bench's report. */
export const loadAverages = (): ReadonlyArray<number> => loadavg().map((value) => Math.round(value * 100) / 100)

/** The machine a bench ran on, with the load from before the run (`atStart`) and now: other work moves every figure. */
export const machineFacts = (loadavgAtStart: ReadonlyArray<number>) => ({
  cpus: availableParallelism(),
  model: cpus()[0]?.model ?? "unknown",
  loadavgAtStart,
  loadavg: loadAverages(),
  node: process.version,
  nodeFlags: process.execArgv.filter((flag) => flag.startsWith("--") && flag !== "--import"),
})
