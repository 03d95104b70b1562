import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Effect, Exit, Scope } from "effect"
import pg from "pg"
import { scratchDatabase } from "../../core/store/testing.ts"
import { type AgentRun, killAgent, originOf, spawnAgent, tokenOf, until } from "../cluster/testing.ts"

const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : false
const agent = spawnAgent

describe("two agents on one PostgreSQL (#16)", { skip }, () => {
  const folders = ["a", "b", "c"].map((name) => mkdtempSync(join(tmpdir(), `hx-cluster-${name}-`)))
  const runs: Array<AgentRun> = []
  const scope = Effect.runSync(Scope.make())
  after(async () => {
    // The test kills the first agent itself; the other is still running.
    for (const run of runs) killAgent(run)
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
      // #16: the first agent sets the cluster's timeouts (the defaults, said out loud); its zone and overcommit.
      const a = agent(db.url, folders[0] as string, "hx-node-a", [
        ...["--zone", "zone-a", "--cpu-overcommit", "2", "--memory-overcommit", "1.5"],
        ...["--host-suspect-after", "6", "--host-down-after", "10"],
      ])
      runs.push(a)
      const originA = await originOf(a)
      const token = tokenOf(a)
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
      const hostA = (await get(originB, "/hosts")).body.items.find((h: { name: string }) => h.name === "hx-node-a")
      assert.deepEqual([hostA.zone, hostA.cpuOvercommitPercent, hostA.memoryOvercommitPercent], ["zone-a", 200, 150])
      assert.equal((await get(originB, `/hosts/${hostB.id}`)).body.zone, "default")

      // #16: a third agent told other timeouts while both hosts are up refuses to start, naming both.
      const c = agent(db.url, folders[2] as string, "hx-node-c", ["--host-down-after", "20"])
      runs.push(c)
      const code = await new Promise<number | null>((resolve) => c.child.on("exit", resolve))
      assert.equal(code, 1)
      assert.match(
        c.stdout,
        /down after 10 s, stopped VMs hold .*told: suspect after 6 s, down after 20 s, stopped VMs hold, while hx-node-(a|b), hx-node-(a|b) is up/s,
      )
      assert.equal((await hosts(originB)).length, 2)

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
