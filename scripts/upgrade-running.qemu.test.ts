// Running VMs survive the agent's upgrade and are re-attached (#22), with real QEMU. Version A is the previous release
// (main at 69cf56f, before #22: its code from `git archive`, run as it ran then, TypeScript through tsx, on this
// checkout's node_modules); version B is this checkout's build (built here, into a folder of its own). A boots the
// README's VM, is stopped gracefully (the unit file's promise: the VM keeps running), B starts on the same data folder
// and finds the VM running under the same QEMU process: its serial console answers with the guest's heartbeat, whose
// counter kept counting (the guest's memory, not a new boot), and a stop through B's API powers it off.
// What a version change could break and this proves it does not: the run root (A's predictable /tmp/hx-<hash>, which
// B adopts when safe instead of making <data>/qemu/run), the QMP/serial socket names in it, the pidfile, and the
// domain definitions A recorded. Needs QEMU, git with the previous release's commit, and the tiny guest's cache
// (HYPERX_GUEST_CACHE, default .cache/guest: the first QEMU test fills it).
import assert from "node:assert/strict"
import { execFile, execFileSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { hyperx, type Run, tokenPattern, up } from "../agent/cli/testing.ts"
import { jsonApi } from "../agent/testing/json-api.ts"
import { connect } from "../agent/ws/testing.ts"
import { qemuInstalled } from "../plugins/qemu/driver/testing.ts"
import { defaultGuestCacheDir } from "../plugins/qemu/guest/build.ts"
import { heartbeatsIn } from "../plugins/qemu/guest/recipe.ts"

const run = promisify(execFile)
const root = fileURLToPath(new URL("../", import.meta.url))
/** The previous release: the last main before #22 (scripts/upgrade/make-fixture.sh made its records from it too). */
const previousRelease = "69cf56f"
const hasCommit = (() => {
  try {
    execFileSync("git", ["cat-file", "-e", `${previousRelease}^{commit}`], { cwd: root, stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()
const skip = !qemuInstalled()
  ? "QEMU is not installed"
  : hasCommit
    ? false
    : `git has no commit ${previousRelease} (a shallow clone)`

/** The pids of the QEMU processes whose command line names a path inside `folder`. */
const qemuPidsUnder = (folder: string): ReadonlyArray<number> =>
  readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
        return (argv[0] ?? "").includes("qemu-system") && argv.some((arg) => arg.includes(folder))
      } catch {
        return false // gone meanwhile
      }
    })
    .map(Number)

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z")

describe("running VMs survive the agent's upgrade and are re-attached (#22)", { skip, timeout: 900_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "hx-upgrade-running-"))
  chmodSync(work, 0o755) // the embedded PostgreSQL runs as its own user and must reach the data folder
  const previous = join(work, "previous")
  const data = join(work, "data")
  const builtDir = `dist-upgrade-running-${process.pid}`
  const env = { ...process.env, HYPERX_GUEST_CACHE: defaultGuestCacheDir() }
  let agent: Run | undefined
  let origin = ""
  let token = ""
  let vmId = ""
  let qemuPid = 0
  /** The last heartbeat counter read under the previous release. */
  let lastBefore = 0

  const api = jsonApi(
    () => `${origin}/api/v1`,
    () => token,
  )
  const stateOf = async () => (await api("GET", `/vms/${vmId}`)).body?.runtime?.state as string | undefined
  const until = async (what: string, predicate: () => Promise<boolean> | boolean, timeoutMs = 240_000) => {
    const deadline = Date.now() + timeoutMs
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${agent?.stdout}\n${agent?.stderr}`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  /** The guest's heartbeat counters read through the agent's serial console WebSocket. */
  const heartbeats = async (): Promise<ReadonlyArray<number>> => {
    const ticket = await api("POST", `/vms/${vmId}/console`, { kind: "serial" })
    assert.equal(ticket.status, 201, JSON.stringify(ticket.body))
    const serial = await connect(ticket.body.url)
    try {
      await serial.until("two heartbeats", () => heartbeatsIn(serial.bytes.toString("utf8")).length >= 2, 60_000)
      return heartbeatsIn(serial.bytes.toString("utf8"))
    } finally {
      serial.close()
    }
  }
  const startAgent = async (bin: string) => {
    agent = hyperx(["agent", "--data", data, "--driver", "qemu", "--port", "0"], { bin, env })
    origin = await up(agent)
  }
  const stopAgent = async () => {
    const running = agent
    agent = undefined
    running?.child.kill("SIGINT")
    assert.equal(await running?.exited, 0, `${running?.stdout}\n${running?.stderr}`)
  }

  before(async () => {
    mkdirSync(previous)
    await run("bash", ["-c", `git archive ${previousRelease} | tar -x -C ${JSON.stringify(previous)}`], { cwd: root })
    symlinkSync(join(root, "node_modules"), join(previous, "node_modules"))
    await run(process.execPath, [join(root, "scripts/build.mjs"), "--outdir", builtDir], { cwd: root })
  })

  after(async () => {
    agent?.child.kill("SIGKILL")
    await agent?.exited
    for (const pid of qemuPidsUnder(data)) process.kill(pid, "SIGKILL")
    rmSync(work, { recursive: true, force: true })
    rmSync(join(root, builtDir), { recursive: true, force: true })
  })

  it("the previous release boots the README's VM and stops gracefully, leaving it running", async () => {
    await startAgent(join(previous, "agent/cli/hyperx.js"))
    token = agent?.stdout.match(tokenPattern)?.[0] ?? ""
    assert.ok(token, agent?.stdout)
    const created = await api("POST", "/vms", { imageId: "tiny-linux", flavorId: "tiny", name: "my_first_vm" })
    assert.equal(created.status, 202, JSON.stringify(created.body))
    vmId = created.body.vmIds[0]
    await until("the VM running under the previous release", async () => (await stateOf()) === "running")
    const pids = qemuPidsUnder(data)
    assert.equal(pids.length, 1, `one QEMU for the VM: ${pids}`)
    qemuPid = pids[0] ?? 0
    lastBefore = (await heartbeats()).at(-1) ?? 0
    await stopAgent()
    assert.ok(alive(qemuPid), "QEMU outlived the previous agent's graceful stop")
  })

  it("the new build starts on the same data folder and finds the VM running under the same QEMU", async () => {
    assert.ok(qemuPid > 0, "the previous release's VM")
    await startAgent(join(root, builtDir, "hyperx.js"))
    const version = await api("GET", "/version")
    assert.equal(version.status, 200)
    assert.equal(await stateOf(), "running")
    assert.deepEqual(qemuPidsUnder(data), [qemuPid])
  })

  it("its serial console answers: the guest's heartbeat keeps counting from before the upgrade", async () => {
    assert.ok(origin !== "" && qemuPid > 0)
    const first = await heartbeats()
    // The guest counts one a second since its boot, in its memory: a fresh boot or a reset would start again from 1.
    assert.ok((first[0] ?? 0) > lastBefore, `${lastBefore} before the upgrade, then ${first}`)
    const second = await heartbeats()
    assert.ok((second.at(-1) ?? 0) > (first.at(-1) ?? 0), `${first} then ${second}`)
    assert.deepEqual(qemuPidsUnder(data), [qemuPid])
  })

  it("a stop through the new agent's API powers that QEMU off", async () => {
    assert.ok(origin !== "" && qemuPid > 0)
    const stop = await api("POST", `/vms/${vmId}/stop`, {})
    assert.equal(stop.status, 202, JSON.stringify(stop.body))
    await until("the VM stopped", async () => (await stateOf()) === "stopped")
    await until("its QEMU gone", () => !alive(qemuPid), 60_000)
    await stopAgent()
  })
})
