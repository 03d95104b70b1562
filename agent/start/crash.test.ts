import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { isTransient } from "../../core/lifecycle/states.ts"
import type { VmState } from "../../core/model/index.ts"
import { isAlive } from "../../core/store/server/server.ts"
import { hyperx, type Run, tokenPattern, up } from "../cli/testing.ts"

const postmasterPid = (data: string) => Number(readFileSync(join(data, "pg", "postmaster.pid"), "utf8").split("\n")[0])

const untilGone = async (pid: number) => {
  while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50))
}

describe("the agent and its embedded PostgreSQL when something dies", () => {
  const folders: Array<string> = []
  const running: Array<Run> = []
  after(async () => {
    for (const run of running) run.child.kill("SIGKILL")
    for (const data of folders) {
      if (existsSync(join(data, "pg", "postmaster.pid"))) {
        const pid = postmasterPid(data)
        if (isAlive(pid)) process.kill(pid, "SIGINT")
        await untilGone(pid)
      }
      rmSync(data, { recursive: true, force: true })
    }
  })
  const newFolder = () => {
    const data = mkdtempSync(join(tmpdir(), "hx-crash-"))
    folders.push(data)
    return data
  }
  const agent = (data: string) => {
    const run = hyperx(["agent", "--data", data, "--port", "0", "--driver", "fake"])
    running.push(run)
    return run
  }

  it("kill -9 of the agent during a VM create: the server keeps running, the next start finds it, the VM reconciles, nothing is lost", async () => {
    const data = newFolder()
    const first = agent(data)
    const origin = await up(first)
    const [token] = first.stdout.match(tokenPattern) ?? []
    const auth = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }
    const created = await fetch(`${origin}/api/v1/vms`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ imageId: "tiny-linux", flavorId: "tiny", name: "crash_vm" }),
    })
    assert.equal(created.status, 202)
    const body = (await created.json()) as { vmIds: Array<string>; tasks: Array<{ id: string; state: string }> }
    first.child.kill("SIGKILL")
    await first.exited
    const server = postmasterPid(data)
    assert.ok(isAlive(server), "the embedded server outlives an agent killed with -9")

    const second = agent(data)
    const again = await up(second)
    assert.match(
      second.stdout,
      new RegExp(
        `pid ${server}, as user hyperx-pg, still running from before|pid ${server}, still running from before`,
      ),
    )
    assert.equal(second.stdout.match(tokenPattern), null, "nothing is seeded again")
    const vm = await fetch(`${again}/api/v1/vms/${body.vmIds[0]}`, { headers: auth })
    assert.equal(vm.status, 200, "the old token still works and the VM is there")
    const {
      vm: { state, displayName },
    } = (await vm.json()) as { vm: { state: VmState; displayName: string } }
    assert.equal(displayName, "crash_vm")
    // Which settled state depends on how far the create got: running or stopped when the fake hypervisor had the
    // domain, error (with the task failed as interrupted) when it had not.
    assert.equal(isTransient(state), false, `a settled state, not ${state}`)
    const task = await fetch(`${again}/api/v1/tasks/${body.tasks[0]?.id}`, { headers: auth })
    assert.equal(task.status, 200)
    assert.notEqual(((await task.json()) as { state: string }).state, "running", "no task is left running")

    second.child.kill("SIGINT")
    assert.equal(await second.exited, 0, second.stderr)
    await untilGone(server)
  })

  it("the server killed under a running agent: the agent says so and exits 1; the next start restarts it and finds everything", async () => {
    const data = newFolder()
    const first = agent(data)
    const origin = await up(first)
    const [token] = first.stdout.match(tokenPattern) ?? []
    const before = await fetch(`${origin}/api/v1/flavors`, { headers: { Authorization: `Bearer ${token}` } })
    assert.equal(before.status, 200)
    process.kill(postmasterPid(data), "SIGKILL")
    assert.equal(await first.exited, 1)
    assert.match(first.stderr, /The embedded PostgreSQL \(pid \d+\) stopped under the agent/)

    const second = agent(data)
    const again = await up(second)
    const after = await fetch(`${again}/api/v1/flavors`, { headers: { Authorization: `Bearer ${token}` } })
    assert.equal(after.status, 200)
    second.child.kill("SIGTERM")
    assert.equal(await second.exited, 0, second.stderr)
  })

  const asUser = (user: string, command: ReadonlyArray<string>) =>
    spawnSync("runuser", ["-u", user, "--", ...command], { encoding: "utf8" })

  it("as another user (nobody) nothing in the data folder can be read, listed or written; the server's user reaches only its cluster", {
    skip: process.getuid?.() === 0 ? false : "needs root (runuser)",
  }, async () => {
    const data = newFolder()
    const first = agent(data)
    await up(first)
    const socket = join(data, "pg", ".s.PGSQL.5432")
    for (const command of [
      ["cat", join(data, "secret.key")],
      ["cat", join(data, "pg-password")],
      ["ls", data],
      ["ls", join(data, "pg")],
      ["test", "-e", socket],
      ["touch", join(data, "pg", "global", "forged")],
      ["touch", join(data, "forged")],
    ]) {
      const run = asUser("nobody", command)
      assert.notEqual(run.status, 0, `nobody: ${command.join(" ")} must fail`)
    }
    // The server's own user: its cluster yes, the agent's secrets and the folder's listing no.
    assert.equal(asUser("hyperx-pg", ["test", "-r", join(data, "pg", "PG_VERSION")]).status, 0)
    for (const command of [
      ["cat", join(data, "secret.key")],
      ["cat", join(data, "pg-password")],
      ["ls", data],
    ]) {
      assert.notEqual(asUser("hyperx-pg", command).status, 0, `hyperx-pg: ${command.join(" ")} must fail`)
    }
    first.child.kill("SIGINT")
    assert.equal(await first.exited, 0, first.stderr)
  })
})
