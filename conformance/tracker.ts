import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import type { ConsoleEndpoint, Driver } from "../core/driver/driver.ts"
import { accepts, describeEndpoint, kill, type SeenProcess, seeProcess, stillRuns } from "./host.ts"

/**
 * Everything the suite makes on the host, recorded before it is made so that a case failing half-way still gets
 * it removed. `cleanup` removes it all (idempotent, never fails); `leftovers` then says what is still there.
 */
export interface ResourceTracker {
  /** Every domain name the suite makes starts with it: "hxc-" and a random run id. */
  readonly prefix: string
  /** The run's own folder under the config's work folder. */
  readonly runDir: string
  readonly nextName: () => string
  readonly domain: (name: string) => void
  readonly volume: (path: string) => void
  readonly snapshot: (domain: string, snapshot: string) => void
  /** A file the suite wrote itself (not a driver's disk). */
  readonly file: (path: string) => void
  readonly process: (domain: string, pid: number) => void
  readonly endpoint: (endpoint: ConsoleEndpoint) => void
  readonly cleanup: (driver: Driver) => Effect.Effect<void>
  /** What remains after cleanup, one line each; also kills leftover processes and removes the run folder. */
  readonly leftovers: (driver: Driver, waitMs: number) => Effect.Effect<ReadonlyArray<string>>
}

export const makeTracker = (workDir: string): ResourceTracker => {
  const runId = randomBytes(3).toString("hex")
  const prefix = `hxc-${runId}-`
  const runDir = join(workDir, `hxc-${runId}`)
  mkdirSync(runDir, { recursive: true })
  let counter = 0
  const domains = new Set<string>()
  const volumes = new Set<string>()
  const snapshots = new Map<string, Set<string>>()
  const files = new Set<string>()
  const processes = new Map<number, SeenProcess & { readonly domain: string }>()
  const endpoints = new Map<string, ConsoleEndpoint>()

  const quietly = <A, E>(effect: Effect.Effect<A, E>) => Effect.ignore(effect)

  const cleanup = (driver: Driver) =>
    Effect.gen(function* () {
      for (const [domain, names] of snapshots)
        for (const snapshot of names) if (driver.snapshots) yield* quietly(driver.snapshots.remove(domain, snapshot))
      for (const domain of domains) {
        yield* quietly(driver.shutdown(domain, { force: true, timeoutMs: 0 }))
        yield* quietly(driver.undefine(domain))
      }
      for (const path of volumes) yield* quietly(driver.volumes.remove(path))
      for (const path of files) rmSync(path, { force: true })
    })

  const processLeftovers = (waitMs: number) =>
    Effect.gen(function* () {
      // A hypervisor process may take a moment to exit after its domain was stopped.
      const deadline = Date.now() + waitMs
      while ([...processes.values()].some(stillRuns) && Date.now() < deadline) yield* Effect.sleep(100)
      const alive = [...processes.values()].filter(stillRuns)
      for (const seen of alive) kill(seen)
      return alive.map((seen) => `process ${seen.pid} of ${seen.domain} still ran (killed)`)
    })

  const leftovers = (driver: Driver, waitMs: number) =>
    Effect.gen(function* () {
      const found: Array<string> = []
      const listed = yield* driver.list().pipe(
        Effect.map((all) => all.filter((info) => info.name.startsWith(prefix))),
        Effect.catch((error) =>
          Effect.sync(() => {
            found.push(`cannot list domains: ${error.message}`)
            return []
          }),
        ),
      )
      for (const info of listed) found.push(`domain ${info.name} is still defined (${info.power})`)
      for (const path of volumes) if (existsSync(path)) found.push(`disk file ${path} still exists`)
      found.push(...(yield* processLeftovers(waitMs)))
      for (const endpoint of endpoints.values())
        if (yield* accepts(endpoint, 1_000)) found.push(`something still listens on ${describeEndpoint(endpoint)}`)
      const strays = existsSync(runDir) ? readdirSync(runDir).filter((entry) => !files.has(join(runDir, entry))) : []
      for (const entry of strays) found.push(`${join(runDir, entry)} was left in the work folder`)
      rmSync(runDir, { recursive: true, force: true })
      return found
    })

  return {
    prefix,
    runDir,
    nextName: () => {
      counter += 1
      return `${prefix}${counter}`
    },
    domain: (name) => void domains.add(name),
    volume: (path) => void volumes.add(path),
    snapshot: (domain, snapshot) => {
      const names = snapshots.get(domain) ?? new Set<string>()
      names.add(snapshot)
      snapshots.set(domain, names)
    },
    file: (path) => void files.add(path),
    process: (domain, pid) => {
      if (!processes.has(pid)) processes.set(pid, { ...seeProcess(pid), domain })
    },
    endpoint: (endpoint) => {
      // TCP ports are reused by unrelated programs too soon for a check at the end to mean anything.
      if (endpoint.kind === "unix") endpoints.set(endpoint.path, endpoint)
    },
    cleanup,
    leftovers,
  }
}
