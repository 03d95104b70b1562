import assert from "node:assert/strict"
import { execFileSync, spawn } from "node:child_process"
import { existsSync, statSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import type { DiskSpec, VmSpec } from "../../../core/driver/spec.ts"
import {
  defineGuest,
  guestSpec,
  makeTestHost,
  openDriver,
  qemuInstalled,
  type ScopedDriver,
  type TestHost,
} from "./testing.ts"

const skip = qemuInstalled() ? false : "qemu-system-x86_64 / qemu-img not installed"
const child = fileURLToPath(new URL("./reattach-child.ts", import.meta.url))
const projectRoot = fileURLToPath(new URL("../../../", import.meta.url))
const MiB = 1024 * 1024

/**
 * Runs the child "agent" (reattach-child.ts): it starts the VM, then backs up its data disk into `target`. Killed
 * by SIGKILL once the copy has written `killAt` bytes, the way a crash of the agent would cut it short.
 */
const crashDuringBackup = (stateDir: string, spec: VmSpec, target: string, killAt: number) =>
  new Promise<string>((resolve, reject) => {
    const agent = spawn(process.execPath, ["--import", "tsx", child, stateDir, JSON.stringify(spec), target], {
      cwd: projectRoot,
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    agent.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    agent.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    const watch = setInterval(() => {
      if (existsSync(target) && statSync(target).size >= killAt) {
        clearInterval(watch)
        agent.kill("SIGKILL")
      }
    }, 5)
    agent.once("exit", (_code, signal) => {
      clearInterval(watch)
      if (signal === "SIGKILL") resolve(output)
      else reject(new Error(`the child agent ended by itself: ${output}`))
    })
  })

describe("QEMU driver: a backup the agent's crash cut short (V4, #14)", { skip, timeout: 600_000 }, () => {
  let host: TestHost
  let d: ScopedDriver | undefined
  const name = "bk-crash"
  let spec: VmSpec
  let data: DiskSpec

  before(async () => {
    host = await makeTestHost()
    const setup = await openDriver(host)
    data = {
      id: "d1",
      role: "data",
      path: join(host.diskDir, `${name}-d1.qcow2`),
      format: "qcow2",
      bus: "virtio",
      readonly: false,
    }
    await setup.run(setup.driver.volumes.create({ path: data.path, format: "qcow2", sizeGiB: 1 }))
    // 640 MiB of data, so that the copy lasts long enough to be cut in the middle.
    execFileSync("qemu-io", ["-f", "qcow2", "-c", "write -P 0x5a 0 640M", data.path], { stdio: "ignore" })
    spec = guestSpec(host, name, { disks: [...guestSpec(host, name).disks, data], nics: [] })
    await setup.run(defineGuest(setup.driver, host, spec))
    await setup.close()
  })
  /** The driver's settle, which the QEMU driver offers. */
  const settle = (target: string, previous: string | undefined) => {
    const open = d
    const call = open?.driver.backups.settle
    assert.ok(open !== undefined && call !== undefined, "the QEMU driver settles backups")
    return open.run(call(name, target, previous))
  }
  after(async () => {
    await d?.close()
    host?.cleanup()
  })

  it("V4 QEMU finishes the copy alone; the next driver instance finds it complete, whole, and clears the job", async () => {
    const target = join(host.stateDir, "backups", "d1", "cut.qcow2")
    const output = await crashDuringBackup(host.stateDir, spec, target, 64 * MiB)
    assert.match(output, /started/)
    assert.doesNotMatch(output, /copied/, "the agent was killed during the copy, not after it")

    d = await openDriver(host)
    const result = await settle(target, undefined)
    assert.ok(result !== undefined, "the copy QEMU carried on alone is recognised as complete")
    assert.equal(result.sizeBytes, statSync(target).size)
    assert.ok(result.sizeBytes >= 640 * MiB, `the backup holds the disk's data (${result.sizeBytes} bytes)`)
    // The backup reads the same as the disk (the guest does not write to d1).
    execFileSync("qemu-img", ["compare", "-U", data.path, target], { stdio: "pipe" })

    // Its job and nodes are gone from QEMU: settling again finds nothing, and the next backup of the chain works.
    assert.equal(await settle(target, undefined), undefined)
    const next = join(host.stateDir, "backups", "d1", "next.qcow2")
    await d.run(d.driver.backups.incremental(name, "d1", next, { chain: "c1", previous: target }))
    assert.ok(existsSync(next))
    // A backup that never reached QEMU (the crash came first) is not complete either.
    assert.equal(await settle(join(host.stateDir, "backups", "d1", "never.qcow2"), undefined), undefined)
  })
})
