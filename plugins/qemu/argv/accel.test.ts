import assert from "node:assert/strict"
import { existsSync, readFileSync } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { Effect } from "effect"
import { detectAccelerator, probeAccelerator } from "./accel.ts"

describe("accelerator detection", () => {
  const forced = process.env.HYPERX_ACCEL
  let dir: string
  before(async () => {
    delete process.env.HYPERX_ACCEL
    dir = await mkdtemp(join(tmpdir(), "hyperx-accel-test-"))
  })
  after(async () => {
    if (forced !== undefined) process.env.HYPERX_ACCEL = forced
    await rm(dir, { recursive: true, force: true })
  })

  it("H2 the probe guest runs under TCG", async () => {
    assert.equal(await Effect.runPromise(probeAccelerator("tcg", { timeoutMs: 30_000 })), true)
  })

  it("H2 the probe fails when QEMU cannot run", async () => {
    assert.equal(await Effect.runPromise(probeAccelerator("tcg", { binary: "/bin/false" })), false)
  })

  it("H2 without a KVM device the answer is tcg", async () => {
    const accel = await Effect.runPromise(detectAccelerator({ devKvm: join(dir, "no-kvm"), cacheFile: null }))
    assert.equal(accel, "tcg")
  })

  it("H2 kvm is chosen only when /dev/kvm exists and a KVM guest really runs", async () => {
    const options = { cacheFile: join(dir, "accel.json") }
    const accel = await Effect.runPromise(detectAccelerator(options))
    const kvmRuns = existsSync("/dev/kvm") && (await Effect.runPromise(probeAccelerator("kvm", options)))
    assert.equal(accel, kvmRuns ? "kvm" : "tcg")
    if (existsSync("/dev/kvm")) assert.equal(JSON.parse(readFileSync(options.cacheFile, "utf8")).accel, accel)
  })

  it("H2 a remembered answer from this boot is reused without probing", async () => {
    const cacheFile = join(dir, "remembered.json")
    const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim()
    // the remembered answer claims kvm although nothing was probed: only the file can be its source
    await writeFile(cacheFile, JSON.stringify({ bootId, binary: "/bin/false", accel: "kvm" }))
    const accel = await Effect.runPromise(detectAccelerator({ devKvm: "/dev/null", binary: "/bin/false", cacheFile }))
    assert.equal(accel, "kvm")
  })

  it("H2 HYPERX_ACCEL overrides detection", async () => {
    process.env.HYPERX_ACCEL = "tcg"
    const accel = await Effect.runPromise(
      detectAccelerator({ devKvm: "/dev/null", binary: "/bin/false", cacheFile: null }),
    )
    delete process.env.HYPERX_ACCEL
    assert.equal(accel, "tcg")
  })
})
