/**
 * #14 defect 3: a store write that fails (disk full, read-only file system, connection killed) answers 503 with the
 * typed body, never 500; no task stays running; the VM stays stable; the agent serves normally once the disk has
 * room / is writable again. Real PostgreSQL (a server of the test's own): the harness database's tables and indexes
 * live in a tablespace on a small tmpfs the test fills up or remounts read-only (WAL and catalogs stay on the big
 * disk, as on a host whose data volume fills up). Needs root (mount).
 */
import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import { randomUUID } from "node:crypto"
import { mkdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import { promisify } from "node:util"
import pg from "pg"
import { Store } from "../core/index.ts"
import type { Task, Vm } from "../core/model/index.ts"
import { databaseUrl } from "../core/store/testing.ts"
import { useAgent } from "./testing/harness.ts"
import { backendOn, throwawayPostgresSkip, useThrowawayPostgres } from "./testing/throwaway-postgres.ts"

const run = promisify(execFile)
const skip = throwawayPostgresSkip || (process.getuid?.() === 0 ? false : "needs root (mounts a tmpfs)")

/** One statement (or several, in order) on a connection of their own. */
const sql = async (url: string, ...statements: ReadonlyArray<string>) => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const results = []
    for (const statement of statements) results.push(await client.query(statement))
    return results
  } finally {
    await client.end()
  }
}

describe("#14 defect 3: store failures through the API are 503, no task left running", { skip }, () => {
  const server = useThrowawayPostgres()
  const agent = useAgent(backendOn(server))
  const small = join(tmpdir(), `hx-small-${randomUUID().slice(0, 8)}`)
  const filler = join(small, "filler")
  let agentDatabase = ""

  before(async () => {
    mkdirSync(small)
    const [uid, gid] = [
      (await run("id", ["-u", "postgres"])).stdout.trim(),
      (await run("id", ["-g", "postgres"])).stdout.trim(),
    ]
    await run("mount", ["-t", "tmpfs", "-o", `size=16m,mode=700,uid=${uid},gid=${gid}`, "hx-small", small])
    const [found] = await sql(
      server.url,
      "select datname from pg_database where datname like 'hx\\_test\\_%' and not datistemplate",
      `create tablespace hx_small location '${small}'`,
    )
    assert.equal(found?.rows.length, 1, "the harness database")
    agentDatabase = databaseUrl(server.url, found?.rows[0].datname)
    // The agent's records move to the small file system; the catalogs and WAL stay where they were.
    await sql(
      agentDatabase,
      "alter table all in tablespace pg_default set tablespace hx_small",
      "alter index all in tablespace pg_default set tablespace hx_small",
    )
  })
  after(async () => {
    await server.halt()
    await run("umount", [small]).catch(() => run("umount", ["-l", small]))
    rmSync(small, { recursive: true, force: true })
  })

  /** Fill the small file system up to its last byte. */
  const fill = () => run("dd", ["if=/dev/zero", `of=${filler}`, "bs=64k"]).catch(() => undefined)
  const remarks = (n: number) => `${n} ${"x".repeat(990)}`
  const tasksOf = (vmId: string) => agent.run(Store.use((s) => s.tasks.list({ vmId })))
  const open = (tasks: ReadonlyArray<Task>) => tasks.filter((t) => t.state === "queued" || t.state === "running")

  /** PATCH remarks until one is refused; each write takes a page, so the table soon needs a new one. */
  const patchUntilRefused = async (vmId: string) => {
    let accepted = 0
    for (let n = 0; n < 400; n++) {
      const reply = await agent.call("PATCH", `/api/v1/vms/${vmId}`, { body: { remarks: remarks(n) } })
      if (reply.status !== 200) return { reply, accepted, lastAccepted: n === 0 ? null : remarks(n - 1) }
      accepted++
    }
    throw new Error("400 writes went through: the file system never refused one")
  }

  /** Once the disk can take writes again: every task settles (the refused request's as failed) within seconds. */
  const settled = async (vmId: string) => {
    for (let i = 0; i < 200; i++) {
      const tasks = await tasksOf(vmId)
      if (open(tasks).length === 0) return tasks
      await sleep(50)
    }
    assert.deepEqual(open(await tasksOf(vmId)), [], "tasks still open after the disk came back")
    return []
  }

  /** The answer to a store that cannot write: 503 with the API's typed body. */
  const assertUnavailable = (reply: { status: number; body: { error?: { code?: string; message?: string } } }) => {
    assert.equal(reply.status, 503, JSON.stringify(reply.body))
    assert.equal(reply.body.error?.code, "unavailable")
    assert.match(reply.body.error?.message ?? "", /database/)
  }

  /**
   * Remount read-only: the kernel refuses while a file is open for writing, so the server first writes its dirty
   * pages out and the agent's connections (which hold the table files open) are closed; the pool opens new ones.
   */
  const readOnly = async () => {
    for (let i = 0; ; i++) {
      await sql(
        agentDatabase,
        "checkpoint",
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
      )
      const done = await run("mount", ["-o", "remount,ro", small]).then(
        () => true,
        (error: unknown) => {
          if (i >= 50) throw error
          return false
        },
      )
      if (done) return
      await sleep(100)
    }
  }

  /** After the failure: the VM is stopped as before, its remarks the last accepted ones, and a new PATCH works. */
  const servesAgain = async (vm: Vm, lastAccepted: string | null, succeededBefore: number) => {
    const vmId = vm.id
    const tasks = await settled(vmId)
    assert.equal(tasks.filter((t) => t.state === "succeeded").length, succeededBefore)
    const detail = await agent.call("GET", `/api/v1/vms/${vmId}`)
    assert.equal(detail.status, 200)
    assert.equal(detail.body.vm.state, "stopped")
    assert.equal(detail.body.vm.remarks, lastAccepted ?? vm.remarks)
    const again = await agent.call("PATCH", `/api/v1/vms/${vmId}`, { body: { remarks: "back" } })
    assert.equal(again.status, 200, JSON.stringify(again.body))
    const [task] = again.body.tasks
    assert.equal((await agent.settle(task.id)).state, "succeeded")
    assert.equal((await agent.call("GET", `/api/v1/vms/${vmId}`)).body.vm.remarks, "back")
  }

  it("disk full (53100): 503, then normal service once the disk has room", async () => {
    const vm = await agent.seedVm()
    await fill()
    try {
      const { reply, accepted, lastAccepted } = await patchUntilRefused(vm.id)
      assertUnavailable(reply)
      // Reads still work on a full disk.
      assert.equal((await agent.call("GET", `/api/v1/vms/${vm.id}`)).status, 200)
      rmSync(filler)
      await servesAgain(vm, lastAccepted, accepted)
    } finally {
      rmSync(filler, { force: true })
    }
  })

  it("read-only file system (42501 'Read-only file system'): 503, then normal service once writable", async () => {
    const vm = await agent.seedVm()
    await readOnly()
    try {
      const { reply, accepted, lastAccepted } = await patchUntilRefused(vm.id)
      assertUnavailable(reply)
      await run("mount", ["-o", "remount,rw", small])
      await servesAgain(vm, lastAccepted, accepted)
    } finally {
      await run("mount", ["-o", "remount,rw", small]).catch(() => undefined)
    }
  })

  it("connection killed mid-request (pg_terminate_backend): 503, then normal service", async () => {
    const vm = await agent.seedVm()
    const before = (await tasksOf(vm.id)).length
    // Hold the VM's row, so the PATCH's write waits on it; then kill the connection it waits on.
    const holder = new pg.Client({ connectionString: agentDatabase })
    await holder.connect()
    try {
      await holder.query("begin")
      await holder.query("select 1 from vms where id = $1 for update", [vm.id])
      const pending = agent.call("PATCH", `/api/v1/vms/${vm.id}`, { body: { remarks: "never" } })
      let killed = 0
      for (let i = 0; i < 400 && killed === 0; i++) {
        const { rows } = await holder.query(
          "select pg_terminate_backend(pid) as killed from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()",
        )
        killed = rows.length
        if (killed === 0) await sleep(25)
      }
      assert.equal(killed, 1, "the PATCH's connection, waiting on the row")
      await holder.query("rollback")
      assertUnavailable(await pending)
    } finally {
      await holder.end()
    }
    const tasks = await settled(vm.id)
    assert.equal(tasks.filter((t) => t.state === "succeeded").length, before)
    assert.equal((await agent.call("GET", `/api/v1/vms/${vm.id}`)).body.vm.remarks, vm.remarks)
    const again = await agent.call("PATCH", `/api/v1/vms/${vm.id}`, { body: { remarks: "back" } })
    assert.equal(again.status, 200, JSON.stringify(again.body))
    assert.equal((await agent.settle(again.body.tasks[0].id)).state, "succeeded")
  })
})
