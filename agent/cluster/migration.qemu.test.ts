/**
 * R9, #17 on real QEMU: two agents on one PostgreSQL, one guest booted once and moved between them through the API.
 * node-a stores disks in the cluster's shared folder (--shared-storage), node-b in its own: from a the guest moves
 * by memory alone, from b its disk is mirrored to a. Each move: the guest's serial heartbeat goes on at the target
 * with no second boot, one QEMU runs it (the source's is gone), the records place it on the target. A cancel and a
 * target QEMU killed mid-way leave it running on the source. The refusals come through the API with their rules.
 */
import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { Effect, Exit, Scope } from "effect"
import { WebSocket } from "ws"
import { scratchDatabase } from "../../core/store/testing.ts"
import { defaultRunRoot } from "../../plugins/qemu/driver/options.ts"
import { killAll } from "../../plugins/qemu/driver/testing.ts"
import { GUEST_BOOT_LINE, heartbeatsIn } from "../../plugins/qemu/guest/recipe.ts"
import { missingForQemu } from "../start/hypervisor.ts"
import { qemuProcesses } from "./failover-scenario.ts"
import { type AgentRun, apiOf, killAgent, originOf, spawnAgent, tokenOf, until } from "./testing.ts"

const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : (missingForQemu() ?? false)

interface Node {
  readonly name: string
  readonly data: string
  run: AgentRun
  origin: string
  id: string
}

const runDir = (node: Node, hostname: string) => join(defaultRunRoot(join(node.data, "qemu")), hostname)
const serialOf = (node: Node, hostname: string) => {
  const log = join(runDir(node, hostname), "serial.log")
  return existsSync(log) ? readFileSync(log, "utf8") : ""
}
const qemuPid = (node: Node, hostname: string) => {
  const file = join(runDir(node, hostname), "qemu.pid")
  return existsSync(file) ? Number(readFileSync(file, "utf8").trim()) || undefined : undefined
}
/** Whether process `pid` listens on a TCP port (the incoming QEMU's migration port: its VNC is a unix socket). */
const listensOnTcp = (pid: number) => execFileSync("ss", ["-ltnpH"], { encoding: "utf8" }).includes(`pid=${pid},`)

interface MigrationEvent {
  readonly _tag: string
  readonly vmId: string
  readonly phase: string
  readonly transferredBytes: number
}

describe("R9 live migration between two agents on real QEMU (#17)", { skip, timeout: 1_200_000 }, () => {
  const folder = mkdtempSync(join(tmpdir(), "hx-mig-"))
  const scope = Effect.runSync(Scope.make())
  const nodes: Array<Node> = []
  const sockets: Array<WebSocket> = []
  let api: ReturnType<typeof apiOf>
  let a: Node
  let b: Node
  let vmId = ""
  let hostname = ""
  const shared = join(folder, "shared")

  const start = async (name: string, extra: ReadonlyArray<string>, databaseUrl: string) => {
    const data = join(folder, name)
    const run = spawnAgent(databaseUrl, data, name, ["--driver", "qemu", ...extra])
    const node: Node = { name, data, run, origin: await originOf(run), id: "" }
    nodes.push(node)
    return node
  }

  /** Every vm-migration event of the VM on `node`'s events socket, from now on. */
  const follow = async (node: Node, token: string) => {
    const events: Array<MigrationEvent> = []
    const ws = new WebSocket(`${node.origin.replace("http", "ws")}/api/v1/events?token=${token}&vmId=${vmId}`)
    sockets.push(ws)
    ws.on("message", (data) => {
      const event = JSON.parse(String(data)) as MigrationEvent
      if (event._tag === "vm-migration") events.push(event)
    })
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject))
    return events
  }

  const vm = async () =>
    (await api(a.origin, "GET", `/vms/${vmId}`)).body.vm as { hostId: string; state: string; stateReason: string }
  const task = (id: string) =>
    until(`task ${id} to end`, async () => {
      const t = (await api(a.origin, "GET", `/tasks/${id}`)).body
      return t.state === "succeeded" || t.state === "failed" ? t : undefined
    })
  const lastBeat = (node: Node) => heartbeatsIn(serialOf(node, hostname)).at(-1) ?? 0

  /** The guest runs on `node`, unrestarted (its heartbeat goes on past `beat`, no boot line in this QEMU's log). */
  const assertRunsOn = async (node: Node, beat: number) => {
    const record = await vm()
    assert.equal(record.hostId, node.id, "the records place the VM on this host")
    assert.equal(record.state, "running")
    await until("a heartbeat past the one before the move", async () => (lastBeat(node) > beat ? true : undefined))
    // Each move starts a fresh serial log on the target: a guest that rebooted would print its boot line there.
    assert.ok(!serialOf(node, hostname).includes(GUEST_BOOT_LINE), "the guest booted again")
    assert.ok(Math.min(...heartbeatsIn(serialOf(node, hostname))) > 1, "the heartbeat started over")
    assert.deepEqual(qemuProcesses([hostname]), { [hostname]: 1 }, "one QEMU runs the guest")
    assert.ok(qemuPid(node, hostname) !== undefined, "its QEMU is this host's")
  }

  /** Migrates through `via` (forwarded to the source's agent) and waits for the task. */
  const migrate = async (via: Node, body: Record<string, unknown>) => {
    const answer = await api(via.origin, "POST", `/vms/${vmId}/migrate`, body)
    assert.equal(answer.status, 202, JSON.stringify(answer.body))
    return answer.body.task.id as string
  }

  before(async () => {
    const db = await Effect.runPromise(Scope.provide(scratchDatabase(adminUrl), scope))
    mkdirSync(shared, { recursive: true })
    const secret = join(folder, "cluster-secret")
    writeFileSync(secret, "0123456789abcdef".repeat(4), { mode: 0o600 })
    const cluster = ["--cluster-secret-file", secret]
    a = await start("node-a", [...cluster, "--shared-storage", shared], db.url)
    api = apiOf(tokenOf(a.run))
    // Created while node-a is the only host: placed there, its disk in the shared folder.
    const created = await api(a.origin, "POST", "/vms", { imageId: "tiny-linux", flavorId: "tiny", name: "mover" })
    assert.equal(created.status, 202, JSON.stringify(created.body))
    vmId = created.body.vmIds[0]
    const running = await until("the VM to run", async () => {
      const now = (await api(a.origin, "GET", `/vms/${vmId}`)).body.vm
      if (now.state === "error") throw new Error(now.stateReason)
      return now.state === "running" ? now : undefined
    })
    hostname = running.hostname
    await until("the guest to boot", async () => (serialOf(a, hostname).includes(GUEST_BOOT_LINE) ? true : undefined))
    b = await start("node-b", cluster, db.url)
    const hosts = (await api(a.origin, "GET", "/hosts")).body.items as Array<{ id: string; name: string }>
    for (const node of nodes) node.id = hosts.find((h) => h.name === node.name)?.id ?? ""
  })
  after(async () => {
    for (const ws of sockets) ws.close()
    for (const node of nodes) {
      killAgent(node.run)
      killAll(defaultRunRoot(join(node.data, "qemu")))
    }
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(folder, { recursive: true, force: true })
  })

  it("R9 shared storage: memory moves alone; the guest runs on at the target, same boot, the source QEMU gone", async () => {
    const events = await follow(a, tokenOf(a.run))
    const beat = lastBeat(a)
    // Asked of node-b, which forwards it to node-a, the VM's host: the source runs the migration.
    const done = await task(await migrate(b, { hostId: b.id }))
    assert.equal(done.state, "succeeded", JSON.stringify(done.error))
    assert.equal(done.result.storage, "shared")
    assert.ok(done.result.transferredBytes > 0)
    await assertRunsOn(b, beat)
    assert.equal(existsSync(runDir(a, hostname)), false, "the source's run folder is gone")
    assert.ok(
      events.some((e) => e.phase === "memory" || e.phase === "completed"),
      JSON.stringify(events),
    )
  })

  it("R9 local storage: the disk is mirrored to the target and recorded in its pool; the guest runs on", async () => {
    const before = (await api(a.origin, "GET", `/vms/${vmId}`)).body.resources.disks as Array<{
      id: string
      path: string
    }>
    const beat = lastBeat(b)
    // node-b keeps no shared folder: its disks are local, and move with the guest.
    const done = await task(await migrate(a, { hostId: a.id }))
    assert.equal(done.state, "succeeded", JSON.stringify(done.error))
    assert.equal(done.result.storage, "local")
    await assertRunsOn(a, beat)
    const after = (await api(a.origin, "GET", `/vms/${vmId}`)).body.resources.disks as Array<{
      id: string
      path: string
    }>
    const system = after.find((d) => d.id === before[0]?.id)
    assert.ok(system !== undefined && system.path !== before[0]?.path, "the disk is recorded at its new file")
    assert.ok(system.path.startsWith(`${shared}/`), "in the target's storage")
    assert.ok(existsSync(system.path))
    assert.equal(existsSync(before[0]?.path ?? ""), false, "the source's copy is removed")
  })

  /**
   * The incoming QEMU on node-b once it listens for the memory stream, watched closely: the listener closes as soon
   * as the source connects.
   */
  const incomingListening = async () => {
    const end = Date.now() + 120_000
    while (Date.now() < end) {
      const pid = qemuPid(b, hostname)
      if (pid !== undefined && listensOnTcp(pid)) return pid
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    throw new Error("the incoming QEMU never listened")
  }

  /**
   * Starts a move to node-b and stops the incoming QEMU once it listens, so that the migration cannot complete (the
   * tiny guest's memory may still fit in the socket buffers, then the proof waits); then `act` (cancel, or kill the
   * target QEMU). The task fails with `error`; the guest runs on at node-a, nothing on node-b.
   */
  const failsMidway = async (act: (targetPid: number) => Promise<void>, error: RegExp) => {
    const events = await follow(a, tokenOf(a.run))
    const beat = lastBeat(a)
    const id = await migrate(a, { hostId: b.id })
    const pid = await incomingListening()
    process.kill(pid, "SIGSTOP")
    await until("the send to be under way", async () => (events.length > 0 ? true : undefined))
    assert.equal((await vm()).state, "migrating")
    await act(pid)
    const done = await task(id)
    assert.equal(done.state, "failed")
    assert.match(done.error.message, error)
    await until("the VM to read running", async () => ((await vm()).state === "running" ? true : undefined))
    await assertRunsOn(a, beat)
    assert.equal(qemuPid(b, hostname), undefined, "a QEMU is left on the target")
  }

  it("R9 cancel mid-way: the VM keeps running on its host", () =>
    failsMidway(async () => {
      const answer = await api(b.origin, "POST", `/vms/${vmId}/migrate/cancel`, {})
      assert.equal(answer.status, 200, JSON.stringify(answer.body))
    }, /cancel/))

  it("R9 the target QEMU killed mid-way: the VM keeps running on its host, the task says why", () =>
    failsMidway(async (pid) => {
      process.kill(pid, "SIGKILL")
    }, /migration|failed|node-b/))

  it("R9 refusals through the API, each with its rule; nothing moves", async () => {
    const refused = async (body: Record<string, unknown>, status: number, rule?: string, token?: string) => {
      const call = token === undefined ? api : apiOf(token)
      const answer = await call(b.origin, "POST", `/vms/${vmId}/migrate`, body)
      assert.equal(answer.status, status, JSON.stringify(answer.body))
      if (rule !== undefined) assert.equal(answer.body.error.rule, rule)
    }
    await refused({ hostId: a.id }, 422, "migrate-other-host")
    await refused({ hostId: "no-such-host" }, 404)
    await refused({ hostId: b.id, mode: "sideways" }, 400)
    await refused({ hostId: b.id, extra: 1 }, 400)
    // A host under maintenance takes no VM: named, or the only other one when placement chooses.
    assert.equal((await api(a.origin, "PUT", `/hosts/${b.id}/maintenance`)).status, 200)
    await refused({ hostId: b.id }, 409, "host-up")
    await refused({}, 409, "no-host-up")
    assert.equal((await api(a.origin, "DELETE", `/hosts/${b.id}/maintenance`)).status, 200)
    // An admin of the VM's own department may not migrate.
    const record = (await api(a.origin, "GET", `/vms/${vmId}`)).body.vm as { departmentId: string }
    const user = await api(a.origin, "POST", "/users", {
      name: "dept admin",
      email: "admin@example.com",
      role: "admin",
      departmentId: record.departmentId,
    })
    assert.equal(user.status, 201, JSON.stringify(user.body))
    const issued = await api(a.origin, "POST", "/tokens", { name: "admin", userId: user.body.id })
    assert.equal(issued.status, 201, JSON.stringify(issued.body))
    await refused({ hostId: b.id }, 403, "superadmin-only", issued.body.secret)
    // A stopped VM does not live-migrate.
    const stopped = await api(a.origin, "POST", "/vms", {
      imageId: "tiny-linux",
      flavorId: "tiny",
      name: "idle",
      start: false,
    })
    assert.equal(stopped.status, 202, JSON.stringify(stopped.body))
    const otherId = stopped.body.vmIds[0]
    await until("the second VM to be stopped", async () =>
      (await api(a.origin, "GET", `/vms/${otherId}`)).body.vm.state === "stopped" ? true : undefined,
    )
    const answer = await api(a.origin, "POST", `/vms/${otherId}/migrate`, { hostId: b.id })
    assert.equal(answer.status, 409, JSON.stringify(answer.body))
    assert.equal(answer.body.error.rule, "lifecycle-state")
    // No migration runs: nothing to cancel.
    const cancel = await api(a.origin, "POST", `/vms/${vmId}/migrate/cancel`, {})
    assert.equal(cancel.status, 409)
    assert.equal(cancel.body.error.rule, "migration-running")
    const now = await vm()
    assert.equal(now.hostId, a.id)
    assert.equal(now.state, "running")
  })
})
