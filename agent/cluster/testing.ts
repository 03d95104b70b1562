import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const bin = fileURLToPath(new URL("../cli/hyperx.js", import.meta.url))

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
): AgentRun => {
  const driver = extra.includes("--driver") ? [] : ["--driver", "fake"]
  const argv = [bin, "agent", "--data", data, "--port", "0", ...driver, ...(name ? ["--name", name] : [])]
  const child = spawn(process.execPath, [...argv, ...extra], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, DATABASE_URL: databaseUrl },
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
