/**
 * bench/spawn: what starting a host command costs the agent, with node's bare execFile and through the drivers'
 * HostCommands (both fork the agent itself since #13 removed the command helper process, which saved ~0.7 ms of
 * ~2.8 ms), with the agent's memory as `npm start` has it (the agent's modules loaded and its store open on an
 * embedded PostgreSQL server) and optionally grown further. Also how long the agent's event loop stands still
 * meanwhile. Prints JSON only:
 *   node --import tsx bench/spawn/run.ts [--runs N] [--extra-mib M]
 */
import { execFile } from "node:child_process"
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, ManagedRuntime, Scope } from "effect"
import { startAgent } from "../../agent/start/agent.ts"
import { layerPostgres } from "../../core/store/layer.ts"
import { Store } from "../../core/store/ports.ts"
import { embeddedServer } from "../../core/store/server/server.ts"
import { serverUser } from "../../core/store/server/server-user.ts"
import { makeHostCommands } from "../../plugins/host-commands/host-commands.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages } from "../shared/load.ts"

const runs = wholeNumberFlag("--runs", 41)
const extraMiB = wholeNumberFlag("--extra-mib", 0, 0)

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return Math.round((sorted[Math.floor(sorted.length / 2)] ?? 0) * 100) / 100
}

/**
 * Times `start` one run after another; a 1 ms timer ticking meanwhile tells the longest the event loop stood still
 * (its lateness beyond the 1 ms it asked for).
 */
const measure = async (start: () => Promise<unknown>) => {
  const times: Array<number> = []
  let longestStall = 0
  let last = performance.now()
  const ticker = setInterval(() => {
    const now = performance.now()
    longestStall = Math.max(longestStall, now - last - 1)
    last = now
  }, 1)
  for (let run = 0; run < runs; run++) {
    const began = performance.now()
    await start()
    times.push(performance.now() - began)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  clearInterval(ticker)
  return { medianMs: median(times), longestEventLoopStallMs: Math.round(longestStall * 100) / 100 }
}

const direct = (file: string, args: ReadonlyArray<string>) =>
  new Promise((resolve, reject) =>
    execFile(file, [...args], (error, stdout) => (error ? reject(error) : resolve(stdout))),
  )

// The agent's modules, and its store open on an embedded server, as `npm start` has them.
void startAgent
const dir = mkdtempSync(join(tmpdir(), "hx-bench-spawn-"))
chmodSync(dir, 0o711)
const serverScope = await Effect.runPromise(Scope.make())
const server = await Effect.runPromise(
  Effect.flatMap(serverUser(), (user) =>
    embeddedServer({ dir: join(dir, "pg"), passwordFile: join(dir, "pg-password"), user }),
  ).pipe(Scope.provide(serverScope)),
)
const store = ManagedRuntime.make(layerPostgres(server.url))
await store.runPromise(Store.use((s) => s.companies.list()))
// Memory the agent holds besides (caches, sessions), touched so that it is really there.
const extra = Buffer.alloc(extraMiB * 1024 * 1024, 1)
const scope = await Effect.runPromise(Scope.make())
try {
  const commands = await Effect.runPromise(Scope.provide(makeHostCommands, scope))
  const hostCommand = (file: string, args: ReadonlyArray<string>) => Effect.runPromise(commands.run(file, args))
  await hostCommand("/bin/true", [])
  const commandsMeasured = {
    "/bin/true": [] as ReadonlyArray<string>,
    "qemu-img --version": ["--version"] as ReadonlyArray<string>,
  }
  const results: Record<string, unknown> = {}
  for (const [label, args] of Object.entries(commandsMeasured)) {
    const file = label === "/bin/true" ? "/bin/true" : "qemu-img"
    results[label] = {
      execFile: await measure(() => direct(file, args)),
      hostCommands: await measure(() => hostCommand(file, args)),
    }
  }
  const report = {
    bench: "spawn",
    runs,
    agentRssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    extraMiB: extra.length / 2 ** 20,
    host: { cpus: cpus().length, loadAverage: loadAverages(), node: process.version },
    commands: results,
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
} finally {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await store.dispose()
  await Effect.runPromise(Scope.close(serverScope, Exit.void))
  rmSync(dir, { recursive: true, force: true })
}
