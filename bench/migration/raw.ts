/**
 * bench/migration, the baseline: the same move done by hand with bare QMP commands, as an operator would type them,
 * on the same kind of guest (the QEMU driver's own command line for the spec, two driver instances used only to
 * define it and print that command line). No driver, no proof of life, no polling slower than 10 ms:
 *   target: qemu-img create (local storage), spawn with `-S -incoming defer`, migrate-set-capabilities,
 *           nbd-server-start + block-export-add (local), migrate-incoming tcp:…
 *   source: migrate-set-capabilities (pause-before-switchover for local), migrate-set-parameters (downtime-limit
 *           20, max-bandwidth 8 GiB/s), blockdev-add nbd + blockdev-mirror (background) until ready (local), stop
 *           (pause-first), migrate, query-migrate until pre-switchover then block-job-cancel until the jobs are gone,
 *           blockdev-del and migrate-continue (local), query-migrate until completed, quit
 *   target: query-migrate until completed, nbd-server-stop (local), cont
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { Effect } from "effect"
import type { MigrationStorage } from "../../core/driver/driver.ts"
import type { VmSpec } from "../../core/driver/spec.ts"
import { diskNames } from "../../plugins/qemu/argv/names.ts"
import { freePort } from "../../plugins/qemu/driver/free-port.ts"
import type { ScopedDriver, TestHost } from "../../plugins/qemu/driver/testing.ts"
import { connectAgent, connectQmp, guestShell, JsonLines } from "../../plugins/qemu/guest/testing.ts"

const POLL_MS = 10
const MAX_BANDWIDTH = 8 * 1024 * 1024 * 1024

/** A guest run by hand: its QEMU process, QMP connection and run folder. */
export interface RawGuest {
  readonly spec: VmSpec
  readonly runDir: string
  readonly child: ChildProcess
  readonly qmp: JsonLines
}

export interface RawHost {
  readonly d: ScopedDriver
  readonly host: TestHost
  /** Rewrites the value of the driver's `-accel` (an experiment: `…,thread=single`). */
  readonly accel?: (value: string) => string
}

/** Defines `spec` on `on` (only to get the driver's command line for it) and spawns that QEMU with `extra`. */
const spawnGuest = async (on: RawHost, spec: VmSpec, extra: ReadonlyArray<string>): Promise<RawGuest> => {
  const driver = on.d.driver
  await on.d.run(driver.define(spec))
  const { binary, args } = await on.d.run(driver.commandLine(spec.name))
  const runDir = driver.runDirOf(spec.name)
  mkdirSync(runDir, { recursive: true, mode: 0o700 })
  const accelAt = args.indexOf("-accel") + 1
  const argv = args.map((arg, i) => (i === accelAt && accelAt > 0 && on.accel !== undefined ? on.accel(arg) : arg))
  const child = spawn(binary, [...argv, ...extra], { stdio: "ignore", detached: true })
  const qmp = await connectQmp(join(runDir, "qmp.sock"))
  return { spec, runDir, child, qmp }
}

/** Boots a guest by hand on `on` and runs `script` in it through its guest agent (the heartbeat, a memory writer). */
export const bootRaw = async (on: RawHost, spec: VmSpec, scripts: ReadonlyArray<string>) => {
  const guest = await spawnGuest(on, spec, [])
  const agent = await connectAgent(join(guest.runDir, "qga.sock"), 180_000)
  for (const script of scripts) await guestShell(agent, script)
  agent.close()
  return guest
}

const query = async (qmp: JsonLines) =>
  (await qmp.command("query-migrate")) as { status?: string; downtime?: number; "error-desc"?: string }

const untilStatus = async (qmp: JsonLines, wanted: string) => {
  for (;;) {
    const info = await query(qmp)
    if (info.status === wanted) return info
    if (info.status === "failed" || info.status === "cancelled")
      throw new Error(`raw migration ${info.status}: ${info["error-desc"] ?? ""}`)
    await sleep(POLL_MS)
  }
}

export interface RawResult {
  readonly guest: RawGuest
  /** From the source's first command to its `completed` (what the driver's `send` measures). */
  readonly sendMs: number
  /** From the target's first step (its disk file, its QEMU) to the guest running there and the source gone. */
  readonly moveMs: number
  /** QEMU's downtime, or from `stop` to completion when paused first (as the driver counts it). */
  readonly downtimeMs: number
}

/** Moves `guest` to `to` by hand; `pauseFirst` stops the source before `migrate` (the driver's path under TCG). */
export const rawMove = async (
  guest: RawGuest,
  to: RawHost,
  storage: MigrationStorage,
  pauseFirst: boolean,
): Promise<RawResult> => {
  const started = Date.now()
  const src = guest.qmp
  const nodes = guest.spec.disks.filter((disk) => !disk.readonly).map((disk) => diskNames(disk.id).node)
  const spec: VmSpec =
    storage === "shared"
      ? guest.spec
      : {
          ...guest.spec,
          disks: guest.spec.disks.map((disk) =>
            disk.readonly
              ? disk
              : { ...disk, path: join(to.host.diskDir, `raw-${disk.id}-${randomUUID().slice(0, 8)}.qcow2`) },
          ),
        }
  if (storage === "local") {
    mkdirSync(to.host.diskDir, { recursive: true })
    for (const disk of spec.disks.filter((d) => !d.readonly))
      execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", disk.path, "1G"])
  }
  const target = await spawnGuest(to, spec, ["-S", "-incoming", "defer"])
  const dst = target.qmp
  const port = await Effect.runPromise(freePort("127.0.0.1"))
  await dst.command("migrate-set-capabilities", { capabilities: [{ capability: "events", state: true }] })
  const nbdPort = storage === "local" ? await Effect.runPromise(freePort("127.0.0.1")) : 0
  if (storage === "local") {
    await dst.command("nbd-server-start", {
      addr: { type: "inet", data: { host: "127.0.0.1", port: String(nbdPort) } },
    })
    for (const node of nodes)
      await dst.command("block-export-add", {
        type: "nbd",
        id: `mig-${node}`,
        "node-name": node,
        name: node,
        writable: true,
      })
  }
  await dst.command("migrate-incoming", { uri: `tcp:127.0.0.1:${port}` })

  const sendStarted = Date.now()
  await src.command("migrate-set-capabilities", {
    capabilities: [
      { capability: "events", state: true },
      { capability: "pause-before-switchover", state: storage === "local" },
    ],
  })
  await src.command("migrate-set-parameters", { "downtime-limit": 20, "max-bandwidth": MAX_BANDWIDTH })
  if (storage === "local") {
    for (const node of nodes) {
      await src.command("blockdev-add", {
        driver: "nbd",
        "node-name": `mig-${node}`,
        server: { type: "inet", host: "127.0.0.1", port: String(nbdPort) },
        export: node,
      })
      await src.command("blockdev-mirror", {
        "job-id": `mig-${node}`,
        device: node,
        target: `mig-${node}`,
        sync: "full",
        "copy-mode": "background",
      })
    }
    for (;;) {
      const jobs = (await src.command("query-block-jobs")) as Array<{ device: string; ready: boolean }>
      if (nodes.every((node) => jobs.some((job) => job.device === `mig-${node}` && job.ready))) break
      await sleep(POLL_MS)
    }
  }
  const stoppedAt = Date.now()
  if (pauseFirst) await src.command("stop")
  await src.command("migrate", { uri: `tcp:127.0.0.1:${port}` })
  if (storage === "local") {
    // The driver's protocol: the mirrors end while QEMU waits before the switch-over, then it goes on.
    await untilStatus(src, "pre-switchover")
    for (const node of nodes) await src.command("block-job-cancel", { device: `mig-${node}` })
    for (;;) {
      const jobs = (await src.command("query-block-jobs")) as Array<unknown>
      if (jobs.length === 0) break
      await sleep(POLL_MS)
    }
    for (const node of nodes) await src.command("blockdev-del", { "node-name": `mig-${node}` })
    await src.command("migrate-continue", { state: "pre-switchover" })
  }
  const done = await untilStatus(src, "completed")
  const sendMs = Date.now() - sendStarted
  const downtimeMs = pauseFirst ? Date.now() - stoppedAt : (done.downtime ?? 0)
  await untilStatus(dst, "completed")
  if (storage === "local") await dst.command("nbd-server-stop")
  await dst.command("cont")
  await src.request("quit").catch(() => undefined)
  src.close()
  await new Promise((resolve) => (guest.child.exitCode !== null ? resolve(null) : guest.child.once("exit", resolve)))
  return { guest: target, sendMs, moveMs: Date.now() - started, downtimeMs }
}

/**
 * How long the guest agent of a guest just moved takes to answer a first `guest-sync` (100 ms per attempt, a fresh
 * id each): what any proof of life through the agent waits for at least, whoever does it.
 */
export const agentAnswerMs = async (guest: RawGuest) => {
  const started = Date.now()
  const agent = await JsonLines.connect(join(guest.runDir, "qga.sock"))
  try {
    for (let id = 1; Date.now() - started < 30_000; id++) {
      const reply = await agent.request("guest-sync", { id }, 100).catch(() => undefined)
      if (reply?.return === id) return Date.now() - started
    }
    return null
  } finally {
    agent.close()
  }
}

/** Ends a guest run by hand. */
export const killRaw = (guest: RawGuest) => {
  guest.qmp.close()
  if (guest.child.exitCode === null && guest.child.pid !== undefined) process.kill(guest.child.pid, "SIGKILL")
}
