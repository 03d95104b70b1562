/**
 * H6 The suite's own machinery, against fakes that lie: a declared capability that does not work is a failure
 * naming what went wrong, never a pass; an undeclared one is a skip with its reason; the host check sees leaks.
 */
import assert from "node:assert/strict"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Effect, PubSub, Stream } from "effect"
import type { Driver, DriverEvent } from "../core/driver/driver.ts"
import { DriverError, HypervisorFailure } from "../core/driver/errors.ts"
import { fakeConformance, fakeConformanceFactory } from "../plugins/fake/conformance.ts"
import type { FakeDriver } from "../plugins/fake/driver.ts"
import type { ConformanceConfig } from "./config.ts"
import type { ConformanceReport } from "./report.ts"
import { runConformance, selectCases } from "./session.ts"

const dir = mkdtempSync(join(tmpdir(), "hxc-machinery-"))
after(() => rmSync(dir, { recursive: true, force: true }))
const baseConfig = fakeConformance(dir).config

const run = (
  wrap: (fake: FakeDriver) => Driver,
  only: ReadonlyArray<string>,
  config: Partial<ConformanceConfig> = {},
) => Effect.runPromise(runConformance(fakeConformanceFactory({}, wrap), { ...baseConfig, ...config, only }))

const resultOf = (report: ConformanceReport, id: string) => {
  const result = report.results.find((candidate) => candidate.id === id)
  assert.ok(result, `the report has no ${id}`)
  return result
}

const assertFailed = (report: ConformanceReport, id: string, reason: RegExp) => {
  const result = resultOf(report, id)
  assert.equal(result.status, "failed", `${id} should fail, it ${result.status}`)
  assert.match(result.reason ?? "", reason)
  assert.equal(report.ok, false)
}

describe("conformance machinery: no silent pass", () => {
  it("H6 a memory snapshot whose revert does nothing fails the snapshot cases, saying what it read back", async () => {
    const report = await run(
      (fake) => ({ ...fake.driver, snapshots: { ...fake.driver.snapshots, revert: () => Effect.void } }),
      ["snapshots.memory", "snapshots.disk"],
    )
    assertFailed(
      report,
      "snapshots.memory",
      /after reverting the memory snapshot \/run\/hxc\/hxc-snap holds nothing, not "original"/,
    )
    assertFailed(report, "snapshots.disk", /after reverting the disk snapshot/)
    assert.equal(resultOf(report, "host.clean").status, "passed")
  })

  it("H6 B1 a shutdown that fails fails force-stop naming the step, and the host check reports what was left", async () => {
    const report = await run(
      (fake) => {
        Effect.runSync(fake.faults.failNext("shutdown", 1_000))
        return fake.driver
      },
      ["lifecycle.force-stop"],
    )
    assertFailed(report, "lifecycle.force-stop", /^force stop: fake\.shutdown: injected shutdown failure/)
    assertFailed(report, "host.clean", /domain hxc-\w+-1 is still defined \(running\)/)
  })

  it("H6 B1 a shutdown that reports success without stopping fails force-stop", async () => {
    const report = await run((fake) => ({ ...fake.driver, shutdown: () => Effect.void }), ["lifecycle.force-stop"])
    assertFailed(report, "lifecycle.force-stop", /is not stopped after a forced shutdown/)
  })

  it("H6 B5 a vnc endpoint nothing listens on fails the VNC handshake", async () => {
    const report = await run(
      (fake) => ({
        ...fake.driver,
        console: {
          ...fake.driver.console,
          vnc: () => Effect.succeed({ kind: "unix", path: join(dir, "nobody.sock") }),
        },
      }),
      ["console.vnc"],
    )
    assertFailed(report, "console.vnc", /^RFB over ws:\/\/127\.0\.0\.1:\d+\/: the WebSocket closed/)
  })

  it("H6 a driver reporting its own starts as events fails events.order", async () => {
    const report = await run(
      (fake) => {
        const own = Effect.runSync(PubSub.unbounded<DriverEvent>())
        return {
          ...fake.driver,
          events: Stream.merge(fake.driver.events, Stream.fromPubSub(own)),
          start: (name) => {
            const reported: DriverEvent = { name, kind: "started", detail: "asked by the platform", at: new Date() }
            return fake.driver.start(name).pipe(Effect.tap(() => PubSub.publish(own, reported)))
          },
        }
      },
      ["events.order"],
    )
    assertFailed(report, "events.order", /the driver reported: .*started/)
  })

  it("H6 a start that hangs fails within the operation timeout and the host is still cleaned", async () => {
    const report = await run(
      (fake) => {
        Effect.runSync(fake.faults.hang("start"))
        return fake.driver
      },
      ["lifecycle.start"],
      { timeouts: { ...baseConfig.timeouts, operationMs: 200 } },
    )
    assertFailed(report, "lifecycle.start", /^start hxc-\w+-1: no answer within 200 ms/)
    assert.equal(resultOf(report, "host.clean").status, "passed")
  })

  it("H6 V4 a restore that drops the increment fails backups.chain, and so does an increment on any previous", async () => {
    const stale = await run(
      (fake) => ({
        ...fake.driver,
        backups: {
          ...fake.driver.backups,
          restore: (backup, target) => fake.driver.backups.restore(backup.replace("-inc1", "-full"), target),
        },
      }),
      ["backups.chain"],
    )
    assertFailed(stale, "backups.chain", /booted from the restored increment reads "first", not "second"/)
    const lax = await run(
      (fake) => ({
        ...fake.driver,
        backups: {
          ...fake.driver.backups,
          incremental: (name, diskId, target, options) =>
            fake.driver.backups
              .incremental(name, diskId, target, options)
              .pipe(Effect.orElseSucceed(() => ({ sizeBytes: 0 }))),
        },
      }),
      ["backups.chain"],
    )
    assertFailed(
      lax,
      "backups.chain",
      /an increment on the full backup, .*: succeeded, but should fail with InvalidRequest/,
    )
  })

  it("H6 an undefine that forgets nothing is caught by the host check", async () => {
    const report = await run((fake) => ({ ...fake.driver, undefine: () => Effect.void }), ["lifecycle.define"])
    assertFailed(report, "lifecycle.define", /inspect after undefine: succeeded, but should fail with DomainNotFound/)
    assertFailed(report, "host.clean", /domain hxc-\w+-1 is still defined \(stopped\)/)
  })
})

describe("conformance machinery: capabilities gate cases", () => {
  it("H6 an undeclared capability is skipped with the reason; the rest still run", async () => {
    const report = await run(
      (fake) => {
        const capabilities = new Set(fake.driver.capabilities)
        capabilities.delete("vncConsole")
        return { ...fake.driver, capabilities }
      },
      ["console.vnc", "console.serial"],
    )
    assert.deepEqual(resultOf(report, "console.vnc"), {
      id: "console.vnc",
      title: resultOf(report, "console.vnc").title,
      capability: "vncConsole",
      status: "skipped",
      reason: "the driver does not declare vncConsole",
      durationMs: 0,
    })
    assert.equal(resultOf(report, "console.serial").status, "passed")
    assert.equal(report.ok, true)
    assert.equal(report.capabilities.includes("vncConsole"), false)
  })

  it("H6 a declared capability without its group of calls fails instead of skipping", async () => {
    const report = await run(
      (fake) => {
        const { media: _, ...withoutMedia } = fake.driver
        return withoutMedia
      },
      ["media.iso"],
    )
    assertFailed(report, "media.iso", /^the driver declares iso but has no driver\.media$/)
  })

  it("H6 P1 a driver without the optional quiesce group skips guestAgent.quiesce with the reason", async () => {
    const report = await run(
      (fake) => {
        const { quiesce: _, ...withoutQuiesce } = fake.driver
        return withoutQuiesce
      },
      ["guestAgent.quiesce", "guestAgent.filesystems"],
    )
    const skipped = resultOf(report, "guestAgent.quiesce")
    assert.equal(skipped.status, "skipped")
    assert.equal(skipped.reason, "the driver has no quiesce group (optional with guestAgent)")
    assert.equal(resultOf(report, "guestAgent.filesystems").status, "passed")
  })

  it("H6 P1 a freeze that says it froze nothing fails guestAgent.quiesce", async () => {
    const report = await run(
      (fake) => ({ ...fake.driver, quiesce: { freeze: () => Effect.succeed(0), thaw: () => Effect.succeed(0) } }),
      ["guestAgent.quiesce"],
    )
    assertFailed(report, "guestAgent.quiesce", /^freeze froze 0 file systems$/)
  })

  it("H6 a driver that cannot be built fails every selected case and skips the host check", async () => {
    const broken = Effect.fail(
      new DriverError({
        driver: "broken",
        operation: "connect",
        reason: new HypervisorFailure({ message: "no hypervisor here", retryable: false }),
      }),
    )
    const report = await Effect.runPromise(runConformance(broken, { ...baseConfig, only: ["lifecycle.start"] }))
    assertFailed(report, "lifecycle.start", /the driver could not be built: broken\.connect: no hypervisor here/)
    assert.equal(resultOf(report, "host.clean").status, "skipped")
    assert.equal(report.driver, "(not built)")
    assert.deepEqual(
      readdirSync(dir).filter((entry) => entry.startsWith("hxc-")),
      [],
      "every run removed its folder",
    )
  })

  it("refuses an unknown case id in `only` instead of running nothing", () => {
    assert.throws(
      () => selectCases(["lifecycle.start", "nope"]),
      /unknown conformance case nope; known: lifecycle\.define/,
    )
    assert.deepEqual(
      selectCases(["stats.running", "lifecycle.start"]).map((spec) => spec.id),
      ["lifecycle.start", "stats.running"],
    )
  })
})
