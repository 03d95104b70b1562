import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { storeBackend } from "../../core/store/testing.ts"
import { useServedAgent } from "../ws/testing.ts"
import { main } from "./main.ts"

/** `hyperx …` against the served agent, with what it printed (live, in `lines`) and its exit code. */
const useCli = (served: ReturnType<typeof useServedAgent>) => {
  return (argv: ReadonlyArray<string>, env: Record<string, string> = {}, stop?: Promise<unknown>) => {
    const lines: Array<string> = []
    const err: Array<string> = []
    const done = main(argv, {
      out: (text) => lines.push(text),
      err: (text) => err.push(text),
      env: { HYPERX_API_URL: served.base(), HYPERX_TOKEN: served.agent.tokens.owner, ...env },
      onStopSignal: () => (stop ?? new Promise(() => {})).then(() => "SIGINT"),
    }).then((code) => ({ code, out: lines.join("\n"), err: err.join("\n") }))
    return Object.assign(done, { lines })
  }
}

/** Wait for a condition the test does not control the timing of (a socket opening, a line arriving). */
const until = async (what: string, predicate: () => boolean) => {
  const deadline = Date.now() + 20_000
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe("hyperx vm/tasks/events over the agent's API (#21)", () => {
  const served = useServedAgent(storeBackend)
  const { agent } = served
  const hyperx = useCli(served)

  it("B2 L1 vm list (table and --json), vm show, vm start, then tasks shows the start", async () => {
    const vm = await agent.seedVm({ displayName: "cli_vm" })
    await agent.addNic(vm.id, "10.77.0.21")
    const listed = await hyperx(["vm", "list"])
    assert.equal(listed.code, 0, listed.err)
    assert.match(listed.out, /^ID\s+NAME\s+STATE\s+CPUS\s+MEMORY MIB\s+IP$/m)
    // The IP column shows the list's `ips` (it read a field the list never had, and printed "-" for every VM).
    assert.match(listed.out, new RegExp(`^${vm.id}\\s+cli_vm\\s+stopped\\s+\\d+\\s+\\d+\\s+10\\.77\\.0\\.21$`, "m"))
    const json = await hyperx(["vm", "list", "--json", "--state", "stopped"])
    assert.ok(JSON.parse(json.out).items.some((row: { id: string }) => row.id === vm.id))
    const shown = await hyperx(["vm", "show", vm.id])
    assert.match(shown.out, /state {4}stopped/, shown.err)
    const started = await hyperx(["vm", "start", vm.id])
    assert.equal(started.code, 0, started.err)
    const taskId = /task (\S+)/.exec(started.out)?.[1] ?? ""
    await agent.settle(taskId)
    const tasks = await hyperx(["tasks", "--vm", vm.id, "--json"])
    const page = JSON.parse(tasks.out)
    assert.deepEqual(
      [page.items[0].id, page.items[0].operation, page.items[0].state],
      [taskId, "vm.start", "succeeded"],
    )
  })

  it("refusals exit 1 with the API's message and code; usage errors exit 2; no token says how to get one", async () => {
    const missing = await hyperx(["vm", "show", "no-such-vm"])
    assert.deepEqual([missing.code, /\(404 not-found\)/.test(missing.err)], [1, true])
    const vm = await agent.seedVm()
    const refused = await hyperx(["vm", "stop", vm.id])
    assert.equal(refused.code, 1)
    assert.match(refused.err, /409 conflict, rule /)
    for (const argv of [["vm"], ["vm", "start"], ["vm", "list", "--colour"], ["tasks", "--limit", "0"], ["events"]]) {
      const bad = await hyperx(argv)
      assert.equal(bad.code, 2, argv.join(" "))
      assert.match(bad.err, /Usage: hyperx vm list/)
    }
    const tokenless = await hyperx(["vm", "list"], { HYPERX_TOKEN: "", HYPERX_DATA: "/srv/hx" })
    assert.equal(tokenless.code, 2)
    assert.match(tokenless.err, /hyperx token create --user superadmin --data \/srv\/hx --quiet/)
    const unreachable = await hyperx(["vm", "list"], { HYPERX_API_URL: "http://127.0.0.1:9" })
    assert.equal(unreachable.code, 1)
  })

  it("refusals come in the operator's language: --lang, HYPERX_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG)", async () => {
    const vm = await agent.seedVm()
    const chinese = /[\u4e00-\u9fff]/
    const stop = (extra: ReadonlyArray<string>, env: Record<string, string>) =>
      hyperx(["vm", "stop", vm.id, ...extra], env)
    for (const [extra, env] of [
      [[], { LANG: "zh_CN.UTF-8" }],
      [[], { LANG: "en_US.UTF-8", LC_MESSAGES: "zh_CN.UTF-8" }],
      [[], { LANG: "en_US.UTF-8", LC_ALL: "zh_CN" }],
      [[], { LANG: "C", HYPERX_LANG: "zh" }],
      [["--lang", "zh"], { LANG: "en_US.UTF-8" }],
    ] as const) {
      const refused = await stop(extra, env)
      assert.equal(refused.code, 1, JSON.stringify(env))
      assert.match(refused.err, chinese, `${extra.join(" ")} ${JSON.stringify(env)}: ${refused.err}`)
      assert.match(refused.err, /409 conflict, rule lifecycle-state/)
    }
    for (const [extra, env] of [
      [[], {}],
      [[], { LANG: "C.UTF-8" }],
      [["--lang", "en"], { LANG: "zh_CN.UTF-8" }],
    ] as const) {
      const refused = await stop(extra, env)
      assert.doesNotMatch(refused.err, chinese, `${extra.join(" ")} ${JSON.stringify(env)}: ${refused.err}`)
      assert.match(refused.err, /409 conflict, rule lifecycle-state/)
    }
  })

  it("G4 events --follow prints the stream until stopped", async () => {
    const vm = await agent.seedVm({ displayName: "followed" })
    let stop = () => {}
    const stopped = new Promise<void>((resolve) => {
      stop = resolve
    })
    const clientsBefore = served.wss().clients.size
    const following = hyperx(["events", "--follow", "--vm", vm.id], {}, stopped)
    await until("the event stream to open", () => served.wss().clients.size > clientsBefore)
    const reply = await agent.call("POST", `/api/v1/vms/${vm.id}/start`)
    await agent.settle(reply.body.task.id)
    await until("the task's end", () => following.lines.some((line) => line.includes("vm.start succeeded")))
    stop()
    const { code, out } = await following
    assert.equal(code, 0)
    assert.match(out, new RegExp(`vm {4}${vm.id} starting -> running`))
    assert.match(out, /task {2}vm\.start succeeded 100%/)
  })

  it("#20 flavors, images and quotas over the API: create, retire and restore; a quota set; a user is refused", async () => {
    const admin = { HYPERX_TOKEN: agent.tokens.superadmin }
    const made = await hyperx(
      ["flavor", "create", "--name", "cli-flavor", "--cpus", "2", "--memory-mib", "1024", "--per-day", "100"],
      admin,
    )
    assert.equal(made.code, 0, made.err)
    const id = /\(([^)]+)\)/.exec(made.out)?.[1] ?? ""
    assert.equal((await hyperx(["flavor", "retire", id], admin)).code, 0)
    const listed = JSON.parse((await hyperx(["flavor", "list", "--json"], admin)).out)
    assert.ok(listed.items.find((f: { id: string; retiredAt?: string | null }) => f.id === id)?.retiredAt)
    assert.equal((await hyperx(["flavor", "restore", id], admin)).code, 0)
    const image = agent.world.image.id
    assert.equal((await hyperx(["image", "retire", image], admin)).code, 0)
    assert.equal((await hyperx(["image", "restore", image], admin)).code, 0)
    const department = agent.users.owner.departmentId
    const quota = await hyperx(
      ["quota", "set", department, "--cpus", "64", "--memory-mib", "none", "--disk-gib", "500", "--vms", "20"],
      admin,
    )
    assert.equal(quota.code, 0, quota.err)
    const refused = await hyperx(["flavor", "retire", id])
    assert.equal(refused.code, 1, "the owner's token may not")
    const bad = await hyperx(["quota", "set", department, "--cpus", "lots"], admin)
    assert.equal(bad.code, 2)
    assert.match(bad.err, /--cpus is a whole number or "none"/)
  })
})
