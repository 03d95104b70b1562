import { loadavg } from "node:os"

/** The host's 1-, 5- and 15-minute load averages, to two decimals, for a bench's report. */
export const loadAverages = (): ReadonlyArray<number> => loadavg().map((value) => Math.round(value * 100) / 100)
