import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import { fileURLToPath } from "node:url"
import { Deferred, Effect, Exit, Scope } from "effect"
import { type HostCommands, makeHostCommands } from "./host-commands.ts"

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ")

const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error("the condition did not hold in time")
    await sleep(20)
  }
}

describe("host commands", () => {
  let scope: Scope.Closeable
  let commands: HostCommands
  const dir = mkdtempSync(join(tmpdir(), "hx-commands-"))
  before(async () => {
    scope = await Effect.runPromise(Scope.make())
    commands = await Effect.runPromise(Scope.provide(makeHostCommands, scope))
  })
  after(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(dir, { recursive: true, force: true })
  })
  const run = (...args: Parameters<HostCommands["run"]>) => Effect.runPromise(commands.run(...args))

  it("returns what the command printed and its exit code; a non-zero exit is an outcome", async () => {
    const outcome = await run("sh", ["-c", "echo out; echo err >&2; exit 3"])
    assert.deepEqual(outcome, { stdout: "out\n", stderr: "err\n", code: 3, signal: null })
  })

  it("hands the command its input on stdin and its extra environment", async () => {
    assert.equal((await run("cat", [], { input: "through stdin" })).stdout, "through stdin")
    assert.equal((await run("sh", ["-c", "echo $HX_PROBE"], { env: { HX_PROBE: "set" } })).stdout, "set\n")
  })

  it("fails with CommandFailed when the binary does not exist, to run or to launch", async () => {
    const failure = await Effect.runPromise(Effect.flip(commands.run("/nonexistent/hx-binary", [])))
    assert.equal(failure._tag, "CommandFailed")
    assert.match(failure.message, /ENOENT/)
    const launch = commands.launch("/nonexistent/hx-binary", [], join(dir, "missing.log"))
    assert.match((await Effect.runPromise(Effect.flip(launch))).message, /ENOENT/)
  })

  it("kills the command when the caller stops waiting", async () => {
    const pidFile = join(dir, "sleeper.pid")
    const waited = Effect.runPromise(
      commands.run("sh", ["-c", `echo $$ > ${pidFile}; exec sleep 30`]).pipe(Effect.timeout("300 millis"), Effect.exit),
    )
    await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "")
    const pid = Number(readFileSync(pidFile, "utf8"))
    assert.equal(Exit.isFailure(await waited), true)
    await until(() => !alive(pid))
  })

  it("launches a process that reports its exit and writes its log", async () => {
    const log = join(dir, "launched.log")
    const launched = await Effect.runPromise(commands.launch("sh", ["-c", "echo started; exit 7"], log))
    assert.ok(launched.pid > 0)
    // A launched process holds nothing open (QEMU outlives the agent): the test keeps itself alive while it waits.
    const keepAlive = setInterval(() => undefined, 1000)
    const exit = await Effect.runPromise(Deferred.await(launched.exited)).finally(() => clearInterval(keepAlive))
    assert.deepEqual(exit, { code: 7, signal: null })
    assert.equal(readFileSync(log, "utf8"), "started\n")
  })

  it("forks the commands from this process: no helper process in between", async () => {
    assert.equal((await run("sh", ["-c", "echo $PPID"])).stdout, `${process.pid}\n`)
  })

  it("leaves a launched process running when the scope closes", async () => {
    const own = await Effect.runPromise(Scope.make())
    const mine = await Effect.runPromise(Scope.provide(makeHostCommands, own))
    const launched = await Effect.runPromise(mine.launch("sleep", ["5"], join(dir, "sleep.log")))
    await Effect.runPromise(Scope.close(own, Exit.void))
    await sleep(200)
    assert.equal(alive(launched.pid), true, "closing the scope never stops what was launched")
    process.kill(launched.pid, "SIGKILL")
  })

  it("does not keep a finished program alive: nothing stays open after a command", async () => {
    const script = fileURLToPath(new URL("./testing/one-command.ts", import.meta.url))
    // A program kept alive would never end: execFile kills it after 20 s, and the test fails with that.
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile("node", ["--import", "tsx", script], { timeout: 20_000 }, (error, out) =>
        error ? reject(error) : resolve(out),
      )
    })
    assert.equal(stdout, "hello\n")
  })
})
