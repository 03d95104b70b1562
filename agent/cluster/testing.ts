import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before } from "node:test"
import { fileURLToPath } from "node:url"
import { Effect, Exit, Scope } from "effect"
import { scratchDatabase } from "../../core/store/testing.ts"

/** The `hyperx` command of this checkout. */
export const bin = fileURLToPath(new URL("../cli/hyperx.js", import.meta.url))

/** An agent process of a test cluster and everything it printed. */
export interface AgentRun {
  readonly child: ChildProcess
  stdout: string
}

/**
 * `hyperx agent` (the fake driver unless `extra` has --driver) on the cluster's database, on a free loopback port, in its own process group
 * (so a test can kill -9 it whole); several on one machine tell apart by `--name`. `extra`: more flags.
 */
export const spawnAgent = (
  databaseUrl: string,
  data: string,
  name?: string,
  extra: ReadonlyArray<string> = [],
  env: Record<string, string> = {},
): AgentRun => {
  const driver = extra.includes("--driver") ? [] : ["--driver", "fake"]
  const argv = [bin, "agent", "--data", data, "--port", "0", ...driver, ...(name ? ["--name", name] : [])]
  const child = spawn(process.execPath, [...argv, ...extra], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env, DATABASE_URL: databaseUrl },
    detached: true,
  })
  const run: AgentRun = { child, stdout: "" }
  child.stdout?.on("data", (chunk: Buffer) => {
    run.stdout += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    run.stdout += chunk.toString()
  })
  return run
}

/** Waits (polling, at most `limitMs`) until `check` gives a value. */
export const until = async <A>(what: string, check: () => Promise<A | undefined>, limitMs = 120_000): Promise<A> => {
  const end = Date.now() + limitMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Where the agent answers, once it says it is ready. */
export const originOf = (run: AgentRun) =>
  until("the agent to be up", async () => {
    if (run.child.exitCode !== null) throw new Error(`the agent exited:\n${run.stdout}`)
    return run.stdout.includes("Stop the agent with Ctrl-C")
      ? run.stdout.match(/API {8}(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/)?.[1]
      : undefined
  })

/** The superadmin token the first agent on a fresh database printed (its heading, then the token). */
export const tokenOf = (run: AgentRun) =>
  run.stdout.match(/Superadmin token[^\n]*\n\s*(?:export TOKEN=)?(hx_[A-Za-z0-9_-]{20,})/)?.[1] ?? ""

/** Kills an agent's whole process group, if it still runs. */
export const killAgent = (run: AgentRun) => {
  if (run.child.pid !== undefined && run.child.exitCode === null && run.child.signalCode === null) {
    process.kill(-run.child.pid, "SIGKILL")
  }
}

/** A JSON API client for one agent, as a token holder. */
export const apiOf =
  (token: string) =>
  async (origin: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${origin}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    // biome-ignore lint/suspicious/noExplicitAny: read as an API client would
    return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as any, response }
  }

/** Two agents (fake driver) of one cluster on one database, with a cluster secret: what the cluster tests drive. */
export interface AgentPair {
  /** The cluster's database and the folder of the agents' data folders (a/, b/) and secret (cluster-secret). */
  readonly databaseUrl: string
  readonly folder: string
  readonly a: AgentRun
  readonly b: AgentRun
  readonly originA: string
  readonly originB: string
  readonly hostA: string
  readonly hostB: string
  readonly token: string
  readonly api: ReturnType<typeof apiOf>
  /** The state a task ended in, read through agent A. */
  readonly settled: (taskId: string) => Promise<string>
  /** A VM created through agent A and placed on `hostId` (the other host is drained meanwhile); `body`: more fields. */
  readonly vmOn: (hostId: string, name: string, body?: Record<string, unknown>) => Promise<string>
}

/** The cluster secret the pair's agents share. */
export const pairSecret = "a".repeat(16) + "b".repeat(16) + "c".repeat(16)

/**
 * Starts agents node-a and node-b under `folder` on `databaseUrl` (with `extra` flags); the caller kills them
 * (killAgent).
 */
export const startPair = async (
  folder: string,
  databaseUrl: string,
  runs: Array<AgentRun>,
  extra: ReadonlyArray<string> = [],
): Promise<AgentPair> => {
  const secretFile = join(folder, "cluster-secret")
  writeFileSync(secretFile, pairSecret, { mode: 0o600 })
  const flags = ["--cluster-secret-file", secretFile, ...extra]
  const a = spawnAgent(databaseUrl, join(folder, "a"), "node-a", flags)
  runs.push(a)
  const originA = await originOf(a)
  const b = spawnAgent(databaseUrl, join(folder, "b"), "node-b", flags)
  runs.push(b)
  const originB = await originOf(b)
  const token = tokenOf(a)
  const api = apiOf(token)
  const hosts = (await api(originA, "GET", "/hosts")).body.items as Array<{ id: string; name: string }>
  const idOf = (name: string) => hosts.find((h) => h.name === name)?.id ?? ""
  const [hostA, hostB] = [idOf("node-a"), idOf("node-b")]
  const settled = (taskId: string) =>
    until("the task to finish", async () => {
      const task = (await api(originA, "GET", `/tasks/${taskId}`)).body
      return task.state === "queued" || task.state === "running" ? undefined : (task.state as string)
    })
  const vmOn = async (hostId: string, name: string, body: Record<string, unknown> = {}) => {
    const other = hostId === hostA ? hostB : hostA
    if ((await api(originA, "PUT", `/hosts/${other}/maintenance`)).status !== 200) throw new Error("no maintenance")
    const created = await api(originA, "POST", "/vms", { imageId: "tiny-linux", flavorId: "tiny", name, ...body })
    await api(originA, "DELETE", `/hosts/${other}/maintenance`)
    if (created.status !== 202) throw new Error(`create: ${JSON.stringify(created.body)}`)
    if ((await settled(created.body.tasks[0].id)) !== "succeeded") throw new Error("the create failed")
    return created.body.vmIds[0] as string
  }
  return { databaseUrl, folder, a, b, originA, originB, hostA, hostB, token, api, settled, vmOn }
}

/**
 * The describe's pair of agents: started before its first test on a scratch database of `adminUrl`, killed with their
 * data after the last. `flags` gives more agent flags, from the pair's folder (a shared directory under it, …).
 */
export const usePair = (
  adminUrl: string,
  prefix: string,
  flags: (folder: string) => ReadonlyArray<string> = () => [],
): (() => AgentPair) => {
  const folder = mkdtempSync(join(tmpdir(), prefix))
  const runs: Array<AgentRun> = []
  const scope = Effect.runSync(Scope.make())
  let pair: AgentPair | undefined
  before(async () => {
    const db = await Effect.runPromise(Scope.provide(scratchDatabase(adminUrl), scope))
    pair = await startPair(folder, db.url, runs, flags(folder))
  })
  after(async () => {
    for (const run of runs) killAgent(run)
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(folder, { recursive: true, force: true })
  })
  return () => {
    if (pair === undefined) throw new Error("the pair is started before the first test")
    return pair
  }
}
