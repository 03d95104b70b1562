/**
 * #16, R12: the failover scenario on one machine, shared by three-hosts.qemu.test.ts and bench/ha-failover: three
 * agents on loopback (own ports and data folders), one PostgreSQL, one shared storage directory, real QEMU; VMs
 * spread by placement; then one agent's process group and its QEMUs are killed with SIGKILL and the phases until
 * its HA VM's guest has booted on another host are timed. Also: who leads, and who holds a disk open and locked.
 */
import { execFileSync } from "node:child_process"
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from "node:fs"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { Duration } from "effect"
import type pg from "pg"
import { fenceAfter } from "../../core/cluster/fencing.ts"
import { defaultTimeouts } from "../../core/cluster/host-state.ts"
import { defaultRunRoot } from "../../plugins/qemu/driver/options.ts"
import { killAll } from "../../plugins/qemu/driver/testing.ts"
import { GUEST_BOOT_LINE } from "../../plugins/qemu/guest/recipe.ts"
import { type AgentRun, apiOf, killAgent, originOf, spawnAgent, tokenOf, until } from "./testing.ts"

export interface ClusterVm {
  readonly id: string
  readonly hostname: string
  readonly hostId: string
  readonly state: string
  readonly haEnabled: boolean
  readonly stateReason: string
}

export interface Member {
  readonly name: string
  readonly data: string
  run: AgentRun
  origin: string
  id: string
  /** False from the kill until the agent has started again. */
  alive: boolean
}

/** How many QEMU processes run each of these domains (their command lines name them). */
export const qemuProcesses = (hostnames: ReadonlyArray<string>): Record<string, number> => {
  const lines = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).split("\n")
  const qemu = lines.filter((l) => l.includes("qemu-system"))
  return Object.fromEntries(hostnames.map((h) => [h, qemu.filter((l) => l.includes(`-name ${h},`)).length]))
}

/** Whether the guest of `hostname` has printed its boot line in its run folder on `member`'s host. */
export const guestBooted = (member: Member, hostname: string) => {
  const log = join(defaultRunRoot(join(member.data, "qemu")), hostname, "serial.log")
  return existsSync(log) && readFileSync(log, "utf8").includes(GUEST_BOOT_LINE)
}

export interface Cluster {
  readonly members: Array<Member>
  readonly api: ReturnType<typeof apiOf>
  readonly flags: ReadonlyArray<string>
  readonly vm: (id: string) => Promise<ClusterVm>
  /** Starts a member's agent again (same data folder and name). */
  readonly restart: (member: Member) => Promise<void>
  readonly stop: () => void
}

/** Three agents (QEMU) on one database, a shared directory and a cluster secret, all under `folder`. */
export const startCluster = async (folder: string, databaseUrl: string): Promise<Cluster> => {
  const shared = join(folder, "shared")
  mkdirSync(shared, { recursive: true })
  const secretFile = join(folder, "cluster-secret")
  writeFileSync(secretFile, "0123456789abcdef".repeat(4), { mode: 0o600 })
  chmodSync(secretFile, 0o600)
  const flags = ["--driver", "qemu", "--cluster-secret-file", secretFile, "--shared-storage", shared]
  const members: Array<Member> = []
  for (const name of ["node-a", "node-b", "node-c"]) {
    const data = join(folder, name)
    const run = spawnAgent(databaseUrl, data, name, flags)
    // One at a time: the first builds (or copies) the tiny guest and seeds the platform.
    members.push({ name, data, run, origin: await originOf(run), id: "", alive: true })
  }
  const api = apiOf(tokenOf(members[0]?.run as AgentRun))
  const first = members[0] as Member
  /** Any agent that runs: each answers for every VM. */
  const living = () => members.find((m) => m.alive) as Member
  const hosts = (await api(first.origin, "GET", "/hosts")).body.items as Array<{ id: string; name: string }>
  for (const m of members) m.id = hosts.find((h) => h.name === m.name)?.id ?? ""
  return {
    members,
    api,
    flags,
    vm: async (id) => (await api(living().origin, "GET", `/vms/${id}`)).body.vm as ClusterVm,
    restart: async (member) => {
      member.run = spawnAgent(databaseUrl, member.data, member.name, flags)
      member.origin = await originOf(member.run)
      member.alive = true
    },
    stop: () => {
      for (const m of members) {
        killAgent(m.run)
        killAll(defaultRunRoot(join(m.data, "qemu")))
      }
    },
  }
}

/** Creates a tiny VM through `via` and waits until it runs and its guest has booted; returns its record. */
export const createRunning = async (cluster: Cluster, via: Member, name: string, haEnabled: boolean) => {
  const created = await cluster.api(via.origin, "POST", "/vms", {
    imageId: "tiny-linux",
    flavorId: "tiny",
    name,
    haEnabled,
  })
  if (created.status !== 202) throw new Error(`create ${name}: ${JSON.stringify(created.body)}`)
  const id = created.body.vmIds[0] as string
  const vm = await until(`${name} to run`, async () => {
    const now = await cluster.vm(id)
    if (now.state === "error") throw new Error(`${name} failed: ${now.stateReason}`)
    return now.state === "running" ? now : undefined
  })
  const host = cluster.members.find((m) => m.id === vm.hostId) as Member
  await until(`${name}'s guest to boot`, async () => (guestBooted(host, vm.hostname) ? true : undefined))
  return vm
}

export interface FailoverPhases {
  /** kill -9 → the host reads down on the others' API. */
  readonly detectMs: number
  /** The part of detection the design spends waiting past the victim's self-fencing point (down − fence). */
  readonly fenceWaitMs: number
  /** Down → the HA VM recorded on another host (the leader's failover round: placement and the record task). */
  readonly placeMs: number
  /** Placed → its guest's boot line on the new host. */
  readonly bootMs: number
  readonly totalMs: number
}

/**
 * Kills `victim` (its agent's process group, then its QEMUs, as a host that loses power) and times the failover of
 * its HA VM `ha` until the guest has booted elsewhere.
 */
export const killAndFailOver = async (cluster: Cluster, victim: Member, ha: ClusterVm): Promise<FailoverPhases> => {
  const witness = cluster.members.find((m) => m !== victim) as Member
  const t0 = performance.now()
  victim.alive = false
  killAgent(victim.run)
  killAll(defaultRunRoot(join(victim.data, "qemu")))
  await until("the host to read down", async () => {
    const hosts = (await cluster.api(witness.origin, "GET", "/hosts")).body.items as Array<{
      id: string
      state: string
    }>
    return hosts.find((h) => h.id === victim.id)?.state === "down" ? true : undefined
  })
  const tDown = performance.now()
  const moved = await until("the HA VM to be placed elsewhere", async () => {
    const now = await cluster.api(witness.origin, "GET", `/vms/${ha.id}`)
    const vm = now.body.vm as ClusterVm
    return vm.hostId !== victim.id ? vm : undefined
  })
  const tPlaced = performance.now()
  const target = cluster.members.find((m) => m.id === moved.hostId) as Member
  await until("the HA VM's guest to boot on its new host", async () =>
    guestBooted(target, ha.hostname) ? true : undefined,
  )
  const tBooted = performance.now()
  return {
    detectMs: Math.round(tDown - t0),
    fenceWaitMs: Duration.toMillis(defaultTimeouts.downAfter) - Duration.toMillis(fenceAfter(defaultTimeouts)),
    placeMs: Math.round(tPlaced - tDown),
    bootMs: Math.round(tBooted - tPlaced),
    totalMs: Math.round(tBooted - t0),
  }
}

/**
 * The processes that hold `path` open (from /proc/PID/fd) and whether some process holds a lock on it (/proc/locks,
 * as QEMU's image locking takes one): a VM that runs once has one holder and a lock; probing with qemu-img instead
 * would take the lock itself for a moment.
 */
export const diskHolders = (path: string): { readonly holders: number; readonly locked: boolean } => {
  const inode = statSync(path).ino
  let holders = 0
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    let fds: ReadonlyArray<string> = []
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue // gone meanwhile, or not ours to read
    }
    const opened = fds.some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path
      } catch {
        return false
      }
    })
    if (opened) holders++
  }
  return { holders, locked: readFileSync("/proc/locks", "utf8").includes(`:${inode} `) }
}

/**
 * The member whose agent holds the leader lock: the lock's session's client port, then the process with that port
 * (ss), then its process group (each agent leads one, spawned detached). Undefined while nobody holds it.
 */
export const leaderOf = async (cluster: Cluster, sql: pg.Client): Promise<Member | undefined> => {
  const held = await sql.query<{ port: number }>(
    `select a.client_port as port from pg_stat_activity a
       join pg_locks l on l.pid = a.pid and l.locktype = 'advisory' and l.classid = $1 and l.granted
      where a.application_name = 'hyperx-leader' and a.datname = current_database()`,
    [0x6878],
  )
  const port = held.rows[0]?.port
  if (port === undefined) return undefined
  const socket = execFileSync("ss", ["-tnpH", "state", "established", `( sport = :${port} )`], { encoding: "utf8" })
  const pid = socket.match(/pid=(\d+)/)?.[1]
  if (pid === undefined) return undefined
  const group = Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[2])
  return cluster.members.find((m) => m.alive && m.run.child.pid === group)
}
