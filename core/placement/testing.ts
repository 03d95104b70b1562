import type { Host } from "../model/host.ts"
import { sampleHost } from "../rules/testing-records.ts"
import type { Candidate } from "./candidate.ts"

/** A host as placement sees it, for tests: 8 CPUs and 16 GiB, up, empty unless told otherwise. */
export const candidate = (
  id: string,
  host: Partial<Host> = {},
  load: Partial<Omit<Candidate, "host">> = {},
): Candidate => ({
  host: sampleHost({ id, name: id, cpus: 8, memoryMiB: 16384, ...host }),
  state: "up",
  cpusUsed: 0,
  memoryMiBUsed: 0,
  gpusFree: 0,
  usbFree: 0,
  networkIds: [],
  groupIds: new Set(),
  ...load,
})
