import assert from "node:assert/strict"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { Effect, Exit, Scope } from "effect"
import pg from "pg"
import { scratchDatabase } from "../../core/store/testing.ts"

const bin = fileURLToPath(new URL("./hyperx.js", import.meta.url))
const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : false

interface Run {
  readonly child: ChildProcess
  stdout: string
}

/** An agent with the fake driver on the cluster's database; several on one machine tell apart by --name. */
const agent = (databaseUrl: string, data: string, name?: string): Run => {
  const argv = [bin, "agent", "--data", data, "--port", "0", "--driver", "fake", ...(name ? ["--name", name] : [])]
  const child = spawn(process.execPath, argv, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, DATABASE_URL: databaseUrl },
    detached: true,
  })
  const run: Run = { child, stdout: "" }
  child.stdout?.on("data", (chunk: Buffer) => {
    run.stdout += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    run.stdout += chunk.toString()
  })
  return run
}

/** Waits (polling, at most `limitMs`) until `check` gives a value. */
const until = async <A>(what: string, check: () => Promise<A | undefined>, limitMs = 120_000): Promise<A> => {
  const end = Date.now() + limitMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

const originOf = (run: Run) =>
  until("the agent to be up", async () => {
    if (run.child.exitCode !== null) throw new Error(`the agent exited:\n${run.stdout}`)
    return run.stdout.includes("Stop the agent with Ctrl-C")
      ? run.stdout.match(/API {8}(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/)?.[1]
      : undefined
  })

describe("two agents on one PostgreSQL (#16)", { skip }, () => {
  const folders = [mkdtempSync(join(tmpdir(), "hx-cluster-a-")), mkdtempSync(join(tmpdir(), "hx-cluster-b-"))]
  const runs: Array<Run> = []
  const scope = Effect.runSync(Scope.make())
  after(async () => {
    for (const run of runs) {
      // The test kills the first agent itself; the other is still running.
      if (run.child.pid !== undefined && run.child.exitCode === null && run.child.signalCode === null) {
        process.kill(-run.child.pid, "SIGKILL")
      }
    }
    await Effect.runPromise(Scope.close(scope, Exit.void))
    for (const folder of folders) rmSync(folder, { recursive: true, force: true })
  })

  it("#16 both see both hosts; kill -9 the leader: the other takes the lock, reads it down, and places VMs on itself", async () => {
    const db = await Effect.runPromise(Scope.provide(scratchDatabase(adminUrl), scope))
    const sql = new pg.Client({ connectionString: db.url })
    await sql.connect()
    /** Leader sessions (one per agent) and how many of them hold the lock. */
    const leaderSessions = async () =>
      (
        await sql.query<{ sessions: number; holders: number }>(
          `select count(*)::int as sessions, count(l.pid)::int as holders from pg_stat_activity a
             left join pg_locks l on l.pid = a.pid and l.locktype = 'advisory' and l.classid = $1 and l.granted
            where a.application_name = 'hyperx-leader' and a.datname = current_database()`,
          [0x6878],
        )
      ).rows[0]
    try {
      const a = agent(db.url, folders[0] as string, "hx-node-a")
      runs.push(a)
      const originA = await originOf(a)
      // The token line follows its heading (the database URL printed above has an hx_ name too).
      const token = a.stdout.match(/Superadmin token[^\n]*\n\s*(hx_[A-Za-z0-9_-]{20,})/)?.[1] ?? ""
      const b = agent(db.url, folders[1] as string, "hx-node-b")
      runs.push(b)
      const originB = await originOf(b)
      const get = async (origin: string, path: string, init: RequestInit = {}) => {
        const response = await fetch(`${origin}/api/v1${path}`, {
          ...init,
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        })
        // biome-ignore lint/suspicious/noExplicitAny: read as an API client would
        return { status: response.status, body: (await response.json()) as any }
      }
      const hosts = async (origin: string) =>
        ((await get(origin, "/hosts")).body.items as Array<{ id: string; name: string; state: string }>).sort((x, y) =>
          x.name.localeCompare(y.name),
        )
      const seen = await hosts(originB)
      assert.deepEqual(
        seen.map((h) => h.state),
        ["up", "up"],
      )
      // The same hosts from either agent (heartbeats move between the two reads).
      const named = (list: typeof seen) => list.map((h) => `${h.name} ${h.id} ${h.state}`)
      assert.deepEqual(named(await hosts(originA)), named(seen))
      assert.deepEqual(await leaderSessions(), { sessions: 2, holders: 1 })
      const hostB = seen.find((h) => h.name === "hx-node-b")
      assert.ok(hostB)

      // The first agent started first and leads; it dies with its whole process group.
      process.kill(-(a.child.pid as number), "SIGKILL")
      // Only the second agent's session is left, and it holds the lock.
      await until("the second agent to lead", async () => {
        const now = await leaderSessions()
        return now?.sessions === 1 && now.holders === 1 ? true : undefined
      })
      const down = await until("the dead agent's host to read down", async () => {
        const now = await hosts(originB)
        return now.find((h) => h.name !== "hx-node-b" && h.state === "down")
      })
      assert.notEqual(down.id, hostB.id)

      const created = await get(originB, "/vms", {
        method: "POST",
        body: JSON.stringify({ imageId: "tiny-linux", flavorId: "tiny", name: "after_failure", start: false }),
      })
      assert.equal(created.status, 202, JSON.stringify(created.body))
      const vm = (await get(originB, `/vms/${created.body.vmIds[0]}`)).body.vm
      assert.equal(vm.hostId, hostB.id)
    } finally {
      await sql.end()
    }
  })
})
