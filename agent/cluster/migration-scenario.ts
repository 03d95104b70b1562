/**
 * R9, #17: two agents on one PostgreSQL with real QEMU and one tiny guest, for the migration tests. node-a stores disks
 * in the cluster's shared folder (--shared-storage), node-b in its own: from node-a the guest moves by memory alone,
 * from node-b its disk is mirrored. The guest is created while node-a is the only host, so it starts there.
 */
import assert from "node:assert/strict"
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before } from "node:test"
import { Effect, Exit, Scope } from "effect"
import { WebSocket } from "ws"
import { scratchDatabase } from "../../core/store/testing.ts"
import { defaultRunRoot } from "../../plugins/qemu/driver/options.ts"
import { killAll } from "../../plugins/qemu/driver/testing.ts"
import { GUEST_BOOT_LINE, heartbeatsIn } from "../../plugins/qemu/guest/recipe.ts"
import { qemuProcesses } from "./failover-scenario.ts"
import { type AgentRun, apiOf, killAgent, originOf, spawnAgent, tokenOf, until } from "./testing.ts"

export interface Node {
  readonly name: string
  readonly data: string
  readonly flags: ReadonlyArray<string>
  readonly env: Record<string, string>
  run: AgentRun
  origin: string
  id: string
}

export interface MigrationEvent {
  readonly _tag: string
  readonly vmId: string
  readonly phase: string
  readonly transferredBytes: number
}

export const runDir = (node: Node, hostname: string) => join(defaultRunRoot(join(node.data, "qemu")), hostname)

/** The serial output of `hostname`'s QEMU on `node` so far (its run folder's log; empty when none runs there). */
export const serialOf = (node: Node, hostname: string) => {
  const log = join(runDir(node, hostname), "serial.log")
  return existsSync(log) ? readFileSync(log, "utf8") : ""
}

/** The pid of the QEMU that runs `hostname` on `node` (its pidfile, and the process alive), if any. */
export const qemuPid = (node: Node, hostname: string) => {
  const file = join(runDir(node, hostname), "qemu.pid")
  const pid = existsSync(file) ? Number(readFileSync(file, "utf8").trim()) || undefined : undefined
  const cmdline = `/proc/${pid}/cmdline`
  return pid !== undefined && existsSync(cmdline) && readFileSync(cmdline, "utf8").includes("qemu") ? pid : undefined
}

/** The socket inodes process `pid` holds open (none once it is gone). */
const socketInodes = (pid: number) => {
  const inodes = new Set<string>()
  const dir = `/proc/${pid}/fd`
  if (!existsSync(dir)) return inodes
  for (const fd of readdirSync(dir)) {
    const link = (() => {
      try {
        return readlinkSync(`${dir}/${fd}`)
      } catch {
        return ""
      }
    })()
    if (link.startsWith("socket:[")) inodes.add(link.slice(8, -1))
  }
  return inodes
}

/**
 * Whether process `pid` listens on a TCP port (the incoming QEMU's migration port: its VNC is a unix socket). Read
 * from /proc, not by running `ss`: the window between the listen and the source's connection is milliseconds.
 */
const listensOnTcp = (pid: number) => {
  const inodes = socketInodes(pid)
  if (inodes.size === 0) return false
  return readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .some((line) => {
      const fields = line.trim().split(/\s+/)
      return fields[3] === "0A" && inodes.has(fields[9] ?? "")
    })
}

export interface Pair {
  readonly a: Node
  readonly b: Node
  readonly api: ReturnType<typeof apiOf>
  readonly token: string
  readonly vmId: string
  readonly hostname: string
  readonly shared: string
  readonly vm: () => Promise<{ hostId: string; state: string; stateReason: string }>
  readonly task: (id: string) => Promise<{ state: string; error: { message: string }; result: Record<string, unknown> }>
  readonly lastBeat: (node: Node) => number
  /** Every vm-migration event of the VM on `node`'s events socket, from now on. */
  readonly follow: (node: Node) => Promise<Array<MigrationEvent>>
  /** Migrates through `via` (forwarded to the source's agent); the task's id. */
  readonly migrate: (via: Node, body: Record<string, unknown>) => Promise<string>
  /** The incoming QEMU on `node` once it listens (watched closely: the listener closes once the source connects). */
  readonly incomingListening: (node: Node) => Promise<number>
  /**
   * The guest runs on `node`, unrestarted: in its serial log from `mark` on (0: a target's fresh log) the heartbeat
   * goes on from `beat` without starting over and no boot line appears; one QEMU runs it; the records place it there.
   */
  readonly assertRunsOn: (node: Node, beat: number, mark?: number) => Promise<void>
  readonly restart: (node: Node) => Promise<void>
  readonly stop: () => void
}

/** Creates a tiny guest through `origin` (`body` adds to the request) and waits until it runs: its id and record. */
export const createRunning = async (api: ReturnType<typeof apiOf>, origin: string, body: Record<string, unknown>) => {
  const created = await api(origin, "POST", "/vms", { imageId: "tiny-linux", flavorId: "tiny", ...body })
  assert.equal(created.status, 202, JSON.stringify(created.body))
  const vmId = created.body.vmIds[0] as string
  const vm = await until("the VM to run", async () => {
    const now = (await api(origin, "GET", `/vms/${vmId}`)).body.vm
    if (now.state === "error") throw new Error(now.stateReason)
    return now.state === "running" ? now : undefined
  })
  return { vmId, vm }
}

export interface PairOptions {
  /** Each agent's extra environment, by its name (host networking in a namespace: HYPERX_NETWORK, …). */
  readonly env?: (name: string) => Record<string, string>
  /** Each agent's extra command-line flags, by its name. */
  readonly flags?: (name: string) => ReadonlyArray<string>
  /** Extra fields of the guest's create request, made through node-a before the guest (a network to join). */
  readonly guest?: (api: ReturnType<typeof apiOf>, origin: string) => Promise<Record<string, unknown>>
}

export const startPair = async (folder: string, databaseUrl: string, options: PairOptions = {}): Promise<Pair> => {
  const shared = join(folder, "shared")
  mkdirSync(shared, { recursive: true })
  const secret = join(folder, "cluster-secret")
  writeFileSync(secret, "0123456789abcdef".repeat(4), { mode: 0o600 })
  const cluster = ["--driver", "qemu", "--cluster-secret-file", secret]
  const sockets: Array<WebSocket> = []
  const nodes: Array<Node> = []
  const start = async (name: string, base: ReadonlyArray<string>) => {
    const flags = [...base, ...(options.flags?.(name) ?? [])]
    const data = join(folder, name)
    const env = options.env?.(name) ?? {}
    const run = spawnAgent(databaseUrl, data, name, flags, env)
    const node: Node = { name, data, flags, env, run, origin: await originOf(run), id: "" }
    nodes.push(node)
    return node
  }
  const a = await start("node-a", [...cluster, "--shared-storage", shared])
  const token = tokenOf(a.run)
  const api = apiOf(token)
  const extra = (await options.guest?.(api, a.origin)) ?? {}
  const { vmId, vm: running } = await createRunning(api, a.origin, { name: "mover", ...extra })
  const hostname = running.hostname as string
  await until("the guest to boot", async () => (serialOf(a, hostname).includes(GUEST_BOOT_LINE) ? true : undefined))
  const b = await start("node-b", cluster)
  const hosts = (await api(a.origin, "GET", "/hosts")).body.items as Array<{ id: string; name: string }>
  for (const node of nodes) node.id = hosts.find((h) => h.name === node.name)?.id ?? ""
  const living = () => (a.run.child.exitCode === null && a.run.child.signalCode === null ? a : b)
  const vm = async () => (await api(living().origin, "GET", `/vms/${vmId}`)).body.vm
  const lastBeat = (node: Node) => heartbeatsIn(serialOf(node, hostname)).at(-1) ?? 0
  return {
    a,
    b,
    api,
    token,
    vmId,
    hostname,
    shared,
    vm,
    lastBeat,
    task: (id) =>
      until(`task ${id} to end`, async () => {
        const t = (await api(living().origin, "GET", `/tasks/${id}`)).body
        return t.state === "succeeded" || t.state === "failed" ? t : undefined
      }),
    follow: async (node) => {
      const events: Array<MigrationEvent> = []
      const ws = new WebSocket(`${node.origin.replace("http", "ws")}/api/v1/events?vmId=${vmId}`, [
        "hyperx.v1",
        `hyperx.bearer.${token}`,
      ])
      sockets.push(ws)
      ws.on("message", (data) => {
        const event = JSON.parse(String(data)) as MigrationEvent
        if (event._tag === "vm-migration") events.push(event)
      })
      await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject))
      return events
    },
    migrate: async (via, body) => {
      const answer = await api(via.origin, "POST", `/vms/${vmId}/migrate`, body)
      assert.equal(answer.status, 202, JSON.stringify(answer.body))
      return answer.body.task.id as string
    },
    incomingListening: async (node) => {
      const end = Date.now() + 120_000
      while (Date.now() < end) {
        const pid = qemuPid(node, hostname)
        if (pid !== undefined && listensOnTcp(pid)) return pid
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
      throw new Error("the incoming QEMU never listened")
    },
    assertRunsOn: async (node, beat, mark = 0) => {
      const record = await vm()
      assert.equal(record.hostId, node.id, "the records place the VM on this host")
      assert.equal(record.state, "running")
      await until("a heartbeat past the one before the move", async () => (lastBeat(node) > beat ? true : undefined))
      const since = serialOf(node, hostname).slice(mark)
      // A guest that rebooted prints its boot line again and counts its heartbeat from 1.
      assert.ok(!since.includes(GUEST_BOOT_LINE), "the guest booted again")
      const beats = heartbeatsIn(since)
      assert.ok((beats[0] ?? 0) >= beat, `the heartbeat started over: ${beats.join(" ")}`)
      assert.ok(
        beats.every((n, i) => i === 0 || n > (beats[i - 1] ?? 0)),
        `the heartbeat went back: ${beats.join(" ")}`,
      )
      assert.deepEqual(qemuProcesses([hostname]), { [hostname]: 1 }, "one QEMU runs the guest")
      assert.ok(qemuPid(node, hostname) !== undefined, "its QEMU is this host's")
    },
    restart: async (node) => {
      node.run = spawnAgent(databaseUrl, node.data, node.name, node.flags, node.env)
      node.origin = await originOf(node.run)
    },
    stop: () => {
      for (const ws of sockets) ws.close()
      for (const node of nodes) {
        killAgent(node.run)
        killAll(defaultRunRoot(join(node.data, "qemu")))
      }
    },
  }
}

/**
 * The pair for one test file: a scratch database on `adminUrl`'s server and a folder, started before the file's tests
 * and stopped (agents, QEMUs, database, folder) after them. The getter answers once `before` has run.
 */
export const usePair = (adminUrl: string, options: PairOptions = {}): (() => Pair) => {
  const scope = Effect.runSync(Scope.make())
  let folder: string | undefined
  let pair: Pair | undefined
  before(async () => {
    folder = mkdtempSync(join(tmpdir(), "hx-mig-"))
    const db = await Effect.runPromise(Scope.provide(scratchDatabase(adminUrl), scope))
    pair = await startPair(folder, db.url, options)
  })
  after(async () => {
    pair?.stop()
    await Effect.runPromise(Scope.close(scope, Exit.void))
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true })
  })
  return () => pair as Pair
}
