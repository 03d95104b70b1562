import assert from "node:assert/strict"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Deferred, Effect, Exit, Scope } from "effect"
import { type ExitStatus, makeHostCommands } from "../../host-commands/host-commands.ts"
import { isOurQemu, readPidfile, sampleCpu, signalProcess, startedAtUptime } from "./process.ts"

const dir = mkdtempSync(join(tmpdir(), "hx-process-"))
const scope = Effect.runSync(Scope.make())
const commands = Effect.runSync(Scope.provide(makeHostCommands, scope))
after(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  rmSync(dir, { recursive: true, force: true })
})

/** The launched child is unref'd (the agent may exit before it): keep this test process alive while waiting. */
const exitOf = async (exited: Deferred.Deferred<ExitStatus>) => {
  const keepAlive = setInterval(() => {}, 1_000)
  try {
    return await Effect.runPromise(Deferred.await(exited))
  } finally {
    clearInterval(keepAlive)
  }
}

/** /proc/PID/stat's session id (field 6). */
const sessionOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[3])

describe("QEMU process supervision helpers", () => {
  it("launches a process in its own session, output to a log, and tells it apart by its command line", async () => {
    const marker = join(dir, "marker.pid")
    const launched = await Effect.runPromise(
      commands.launch("/bin/sh", ["-c", "echo started; sleep 30", marker], join(dir, "out.log")),
    )
    assert.ok(launched.pid > 0)
    assert.equal(sessionOf(launched.pid), launched.pid, "the process leads its own session (setsid)")
    assert.equal(isOurQemu(launched.pid, marker), true)
    assert.equal(isOurQemu(launched.pid, join(dir, "other.pid")), false, "another pidfile means another process")
    assert.ok((sampleCpu(launched.pid)?.uptimeSeconds ?? 0) > 0)
    assert.ok((startedAtUptime(launched.pid) ?? 0) > 0)
    // The shell needs a moment to write its line: wait for it (bounded) before killing it.
    const log = join(dir, "out.log")
    for (let i = 0; i < 250 && !/started/.test(existsSync(log) ? readFileSync(log, "utf8") : ""); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    signalProcess(launched.pid, "SIGKILL")
    const status = await exitOf(launched.exited)
    assert.equal(status.signal, "SIGKILL")
    assert.equal(isOurQemu(launched.pid, marker), false, "a dead (or reaped) process is not ours any more")
    assert.match(readFileSync(join(dir, "out.log"), "utf8"), /started/)
    signalProcess(launched.pid, "SIGKILL")
  })

  it("reads a pidfile, and nothing from a missing or garbled one", () => {
    writeFileSync(join(dir, "good.pid"), "4242\n")
    writeFileSync(join(dir, "bad.pid"), "not a pid")
    assert.equal(readPidfile(join(dir, "good.pid")), 4242)
    assert.equal(readPidfile(join(dir, "bad.pid")), undefined)
    assert.equal(readPidfile(join(dir, "missing.pid")), undefined)
  })
})
