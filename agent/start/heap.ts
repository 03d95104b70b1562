import { execArgv } from "node:process"
import { setFlagsFromString } from "node:v8"

/**
 * Turns off V8's allocation-site pretenuring for the agent, unless node was started with a pretenuring flag of its
 * own (`--allocation-site-pretenuring` keeps it). V8 allocates straight into the old generation what an allocation
 * site's objects look long-lived at a young collection; a young collection comes when memory runs out, which is most
 * often in the middle of decoding a query's rows, so the driver's rows and strings looked long-lived and went to the
 * old generation as garbage, and full collections (5–35 ms pauses) came every few hundred requests (#23). Steady loop
 * of the list's questions at 10,000 VMs, 3,000 requests, same machine back to back (bench/api-list/profile.ts), with
 * the agent's own young generation (--max-semi-space-size=2): full collections 15–18 -> 1, young collections' total
 * 1.62–1.73 s -> 1.29–1.43 s, p99 19.0–20.0 -> 15.7–19.2 ms; with node's default young generation: full collections
 * 8–11 -> 4–6, young collections' total 0.42–0.54 s -> 0.31–0.34 s.
 */
export const tuneHeapForRequests = (): void => {
  if (execArgv.some((arg) => arg.includes("pretenuring"))) return
  setFlagsFromString("--no-allocation-site-pretenuring")
}
