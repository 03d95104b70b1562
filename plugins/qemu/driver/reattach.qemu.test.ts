import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { SerialWatch } from "../guest/testing.ts"
import { isOurQemu } from "./process.ts"
import {
  defineGuest,
  guestSpec,
  makeTestHost,
  openDriver,
  qemuInstalled,
  type ScopedDriver,
  type TestHost,
  waitForBoot,
  waitUntil,
} from "./testing.ts"

const skip = qemuInstalled() ? false : "qemu-system-x86_64 / qemu-img not installed"
const child = fileURLToPath(new URL("./reattach-child.ts", import.meta.url))
const projectRoot = fileURLToPath(new URL("../../../", import.meta.url))

/** Runs the child "agent" until it says the VM started; resolves with the child and QEMU's pid. */
const startInChild = (stateDir: string, specJson: string) =>
  new Promise<{ readonly agentPid: number; readonly qemuPid: number; readonly exited: Promise<unknown> }>(
    (resolve, reject) => {
      const agent = spawn(process.execPath, ["--import", "tsx", child, stateDir, specJson], {
        cwd: projectRoot,
        stdio: ["ignore", "pipe", "pipe"],
      })
      const exited = new Promise((done) => agent.once("exit", done))
      let output = ""
      const onData = (chunk: Buffer) => {
        output += chunk.toString()
        const match = /started (\d+)/.exec(output)
        if (match) resolve({ agentPid: agent.pid ?? 0, qemuPid: Number(match[1]), exited })
      }
      agent.stdout.on("data", onData)
      agent.stderr.on("data", onData)
      agent.once("exit", (code) => reject(new Error(`the child agent exited (${code}) before starting: ${output}`)))
    },
  )

describe("QEMU driver: supervision survives the agent", { skip, timeout: 600_000 }, () => {
  let host: TestHost
  const open: Array<ScopedDriver> = []
  const openInstance = async () => {
    const instance = await openDriver(host)
    open.push(instance)
    return instance
  }

  before(async () => {
    host = await makeTestHost()
  })
  after(async () => {
    for (const instance of open) await instance.close()
    host?.cleanup()
  })

  it("H2 a killed agent's VM keeps running; a new driver instance re-attaches, sees it, and stops it", async () => {
    const spec = guestSpec(host, "orphan")
    const setup = await openInstance()
    await setup.run(defineGuest(setup.driver, host, { ...spec }))
    await setup.close()
    open.pop()

    const { agentPid, qemuPid, exited } = await startInChild(host.stateDir, JSON.stringify(spec))
    process.kill(agentPid, "SIGKILL")
    await exited
    const pidfile = join(setup.driver.runDirOf(spec.name), "qemu.pid")
    assert.equal(isOurQemu(qemuPid, pidfile), true, "QEMU outlived the agent that started it")

    const d = await openInstance()
    assert.deepEqual(await d.run(d.driver.inspect(spec.name)), { name: spec.name, power: "running", pid: qemuPid })
    const endpoint = await d.run(d.driver.console.serial(spec.name))
    const console = await SerialWatch.connect(endpoint.kind === "unix" ? endpoint.path : "")
    try {
      await console.waitFor(/hyperx-guest: (booted|heartbeat \d+)/, 120_000)
    } finally {
      console.close()
    }
    await waitForBoot(d.driver, spec.name)
    assert.ok((await d.run(d.driver.stats(spec.name))).disks.length > 0, "QMP answers the new instance")
    await d.run(d.driver.shutdown(spec.name, { force: false, timeoutMs: 60_000 }))
    assert.equal((await d.run(d.driver.inspect(spec.name))).power, "stopped")
    assert.equal(isOurQemu(qemuPid, pidfile), false)
    assert.deepEqual(d.events, [], "a stop the platform asked for is no event")
  })

  it("H2 closing a driver leaves its VMs running; the next instance watches them and reports their death", async () => {
    const first = await openInstance()
    const spec = guestSpec(host, "survivor", { nics: [] })
    await first.run(defineGuest(first.driver, host, spec))
    await first.run(first.driver.start(spec.name))
    const pid = (await first.run(first.driver.inspect(spec.name))).pid ?? 0
    await first.close()
    open.splice(open.indexOf(first), 1)
    assert.equal(isOurQemu(pid, join(first.driver.runDirOf(spec.name), "qemu.pid")), true)

    const second = await openInstance()
    assert.equal((await second.run(second.driver.inspect(spec.name))).pid, pid)
    process.kill(pid, "SIGKILL")
    await waitUntil("the death to be reported", () => second.events.length > 0, 10_000)
    assert.deepEqual(
      second.events.map((event) => [event.name, event.kind]),
      [[spec.name, "process-exited"]],
    )
    assert.equal((await second.run(second.driver.inspect(spec.name))).power, "stopped")
  })

  it("H2 a pidfile naming some other process (a reused pid) is not taken for the VM", async () => {
    const d = await openInstance()
    const spec = guestSpec(host, "stale", { nics: [] })
    await d.run(defineGuest(d.driver, host, spec))
    await d.close()
    open.splice(open.indexOf(d), 1)
    mkdirSync(d.driver.runDirOf(spec.name), { recursive: true })
    writeFileSync(join(d.driver.runDirOf(spec.name), "qemu.pid"), `${process.pid}\n`)
    const next = await openInstance()
    assert.deepEqual(await next.run(next.driver.inspect(spec.name)), { name: spec.name, power: "stopped" })
    await next.run(Effect.asVoid(next.driver.undefine(spec.name)))
  })
})
