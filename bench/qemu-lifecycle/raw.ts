/** QEMU driven by hand, the way a person with the same command line and a QMP socket would: the bench's baseline. */
import { execFileSync, spawn } from "node:child_process"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { connectQmp, type JsonLines } from "../../plugins/qemu/guest/testing.ts"

export interface HandQemu {
  readonly pid: number
  readonly exited: Promise<unknown>
}

/** Removes what a previous run left in the run folder, as the driver does before its spawn. */
export const cleanRunDir = (runDir: string) => {
  for (const file of ["serial.log", "qmp.sock", "qga.sock", "serial.sock", "vnc.sock", "qemu.pid"]) {
    rmSync(join(runDir, file), { force: true })
  }
}

export const spawnByHand = (binary: string, args: ReadonlyArray<string>): HandQemu => {
  const child = spawn(binary, [...args], { stdio: "ignore" })
  return { pid: child.pid ?? -1, exited: new Promise((resolve) => child.once("exit", resolve)) }
}

/** Polls the serial log every 5 ms (both sides of every comparison use this same poll) until `text` shows. */
export const awaitSerial = async (runDir: string, text: string, timeoutMs = 300_000) => {
  const path = join(runDir, "serial.log")
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (existsSync(path) && readFileSync(path, "utf8").includes(text)) return
    if (Date.now() > deadline) throw new Error(`${path} never showed ${text}`)
    await sleep(5)
  }
}

export const qmpOf = (runDir: string): Promise<JsonLines> => connectQmp(join(runDir, "qmp.sock"))

/** A QMP job run to its end, as plugins/qemu/qmp's runJob does: start, await "concluded", read, dismiss. */
export const runJob = async (qmp: JsonLines, command: string, args: Record<string, unknown>) => {
  const id = `bench-${Math.random().toString(16).slice(2, 10)}`
  await qmp.command(command, { ...args, "job-id": id })
  await qmp.waitForEvent("JOB_STATUS_CHANGE", 120_000, (data) => data.id === id && data.status === "concluded")
  const jobs = (await qmp.command("query-jobs")) as Array<{ id: string; error?: string }>
  await qmp.command("job-dismiss", { id })
  const error = jobs.find((job) => job.id === id)?.error
  if (error !== undefined) throw new Error(`${command}: ${error}`)
}

export const qemuImgSnapshot = (flag: "-a" | "-d", tag: string, path: string) =>
  execFileSync("qemu-img", ["snapshot", flag, tag, path])
