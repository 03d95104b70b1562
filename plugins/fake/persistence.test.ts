import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { makeFakeDriver } from "./driver.ts"
import { defined, expectFailure, powerOf, withFake } from "./test-support.ts"

const dir = mkdtempSync(join(tmpdir(), "hyperx-fake-state-"))
after(() => rmSync(dir, { recursive: true, force: true }))

/** Runs `program` (ESM source that may import "effect" and FAKE) in a new node process; resolves on "ready". */
const childUntilReady = (program: string) =>
  new Promise<ReturnType<typeof spawn>>((resolve, reject) => {
    const fake = fileURLToPath(new URL("./index.ts", import.meta.url))
    const source = program.replaceAll("FAKE", JSON.stringify(fake))
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", source], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      stdio: ["ignore", "pipe", "pipe"],
    })
    let errors = ""
    child.stderr?.on("data", (chunk) => {
      errors += String(chunk)
    })
    child.stdout?.on("data", (chunk) => {
      if (String(chunk).includes("ready")) resolve(child)
    })
    child.on("exit", (code) => reject(new Error(`child exited (${code}) before ready: ${errors}`)))
  })

describe("fake driver: stateFile", () => {
  it("a new instance sees the domains, guest data, snapshots and volumes an earlier one left", async () => {
    const stateFile = join(dir, "same-process.json")
    await withFake(
      (fake) =>
        Effect.gen(function* () {
          assert.ok(fake.driver.capabilities.has("reattach"))
          yield* defined(fake, "kept", { running: true })
          yield* defined(fake, "idle")
          yield* fake.simulate.writeGuest("kept", "k", "v1")
          yield* fake.driver.snapshots.create("kept", "s1", { withMemory: true })
          yield* fake.simulate.writeGuest("kept", "k", "v2")
          yield* fake.driver.guestAgent.setPassword("kept", "root", "Passw0rd")
          yield* fake.driver.volumes.create({ path: "/v/data.raw", format: "raw", sizeGiB: 2 })
        }),
      { stateFile },
    )
    await withFake(
      (fake) =>
        Effect.gen(function* () {
          assert.deepEqual(yield* fake.driver.list(), [
            { name: "idle", power: "stopped" },
            { name: "kept", power: "running" },
          ])
          assert.equal(yield* fake.simulate.readGuest("kept", "k"), "v2")
          assert.deepEqual((yield* fake.simulate.credentials("kept")).passwords, { root: "Passw0rd" })
          assert.equal((yield* fake.simulate.volumes()).length, 1)
          yield* fake.driver.shutdown("kept", { force: true, timeoutMs: 0 })
          yield* fake.driver.snapshots.revert("kept", "s1")
          assert.equal(yield* fake.simulate.readGuest("kept", "k"), "v1")
        }),
      { stateFile },
    )
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith("same-process")),
      ["same-process.json"],
      "no temp file is left behind",
    )
  })

  it("a domain started by a process that was then SIGKILLed is still running for the next instance", async () => {
    const stateFile = join(dir, "killed.json")
    const child = await childUntilReady(`
      import { Effect } from "effect"
      import { makeFakeDriver, sampleVmSpec } from FAKE
      await Effect.runPromise(Effect.gen(function* () {
        const fake = yield* makeFakeDriver({ stateFile: ${JSON.stringify(stateFile)} })
        yield* fake.driver.define(sampleVmSpec("survivor"))
        yield* fake.driver.start("survivor")
        yield* fake.simulate.writeGuest("survivor", "note", "written before the kill")
      }))
      console.log("ready")
      setInterval(() => {}, 1000)
    `)
    const exited = new Promise((resolve) => child.once("exit", resolve))
    child.kill("SIGKILL")
    await exited
    await withFake(
      (fake) =>
        Effect.gen(function* () {
          assert.equal(yield* powerOf(fake, "survivor"), "running")
          assert.equal(yield* fake.simulate.readGuest("survivor", "note"), "written before the kill")
        }),
      { stateFile },
    )
  })

  it("refuses to start from a file that is not a fake driver state", async () => {
    const stateFile = join(dir, "corrupt.json")
    writeFileSync(stateFile, '{"format":"something-else"}')
    await Effect.runPromise(expectFailure(makeFakeDriver({ stateFile }), "HypervisorFailure", "load"))
  })

  it("without a stateFile a new instance starts empty and does not claim reattach", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        assert.ok(!fake.driver.capabilities.has("reattach"))
        assert.deepEqual(yield* fake.driver.list(), [])
      }),
    ))
})
