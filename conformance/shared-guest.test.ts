/**
 * H6 The shared guest of the conformance suite, on the fake: the cases that give the guest back as they found it
 * share one boot, and a case that breaks it fails itself (naming what is wrong), never the case after it.
 */
import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Effect } from "effect"
import type { Driver } from "../core/driver/driver.ts"
import { fakeConformance, fakeConformanceFactory } from "../plugins/fake/conformance.ts"
import type { FakeDriver } from "../plugins/fake/driver.ts"
import type { ConformanceReport } from "./report.ts"
import { runConformance } from "./session.ts"

const dir = mkdtempSync(join(tmpdir(), "hxc-shared-"))
after(() => rmSync(dir, { recursive: true, force: true }))
const baseConfig = fakeConformance(dir).config

/** Runs `only` on the fake wrapped by `wrap`; counts the starts the suite asked for. */
const run = async (only: ReadonlyArray<string>, wrap: (fake: FakeDriver) => Driver = (fake) => fake.driver) => {
  const started: Array<string> = []
  const counted = (fake: FakeDriver): Driver => {
    const driver = wrap(fake)
    return {
      ...driver,
      start: (name) => driver.start(name).pipe(Effect.tap(() => Effect.sync(() => started.push(name)))),
    }
  }
  const report = await Effect.runPromise(runConformance(fakeConformanceFactory({}, counted), { ...baseConfig, only }))
  return { report, started }
}

const statusOf = (report: ConformanceReport, id: string) => report.results.find((result) => result.id === id)

describe("conformance: the shared guest", () => {
  it("H6 the cases that give the guest back boot it once between them, and each still passes", async () => {
    const only = ["lifecycle.start", "disks.hotplug", "media.iso", "stats.running", "guestAgent.filesystems"]
    const { report, started } = await run(only)
    for (const id of [...only, "host.clean"]) assert.equal(statusOf(report, id)?.status, "passed", id)
    assert.equal(new Set(started).size, 1, `the cases started ${started.join(", ")}`)
  })

  it("H6 a case that leaves the shared guest stopped fails itself; the next case gets a fresh guest and passes", async () => {
    const { report, started } = await run(["guestAgent.filesystems", "stats.running"], (fake) => ({
      ...fake.driver,
      // The call answers correctly, and then the domain is off: the case's own checks cannot see it.
      guestAgent: {
        ...fake.driver.guestAgent,
        fileSystems: (name) =>
          fake.driver.guestAgent
            .fileSystems(name)
            .pipe(Effect.tap(() => fake.driver.shutdown(name, { force: true, timeoutMs: 0 }))),
      },
    }))
    const broken = statusOf(report, "guestAgent.filesystems")
    assert.equal(broken?.status, "failed")
    assert.match(
      broken?.reason ?? "",
      /^the case gave back the shared guest unfit for the next case: hxc-\w+-1: it is stopped, not running$/,
    )
    assert.equal(statusOf(report, "stats.running")?.status, "passed")
    assert.equal(statusOf(report, "host.clean")?.status, "passed")
    assert.deepEqual(
      started.map((name) => name.replace(/^hxc-\w+-/, "")),
      ["1", "2"],
    )
  })

  it("H6 a case that fails keeps its own reason, and the shared guest it may have changed is not handed on", async () => {
    const { report, started } = await run(["disks.hotplug", "stats.running"], (fake) => ({
      ...fake.driver,
      // Detach says it worked, and the disk stays: the case's own check sees it in stats.
      disks: {
        ...fake.driver.disks,
        detach: (name, id) => (id === "data1" ? Effect.void : fake.driver.disks.detach(name, id)),
      },
    }))
    const hotplug = statusOf(report, "disks.hotplug")
    assert.equal(hotplug?.status, "failed")
    assert.match(hotplug?.reason ?? "", /^data1 to leave hxc-\w+-1's stats: not within/)
    assert.equal(statusOf(report, "stats.running")?.status, "passed")
    assert.equal(statusOf(report, "host.clean")?.status, "passed")
    assert.deepEqual(
      started.map((name) => name.replace(/^hxc-\w+-/, "")),
      ["1", "2"],
    )
  })

  const migrations = [
    "migration.cancel",
    "migration.target-failure",
    "migration.disk-deadline",
    "migration.shared-storage",
    "migration.local-storage",
  ]

  it("R9 H6 the failed sends share the guest, the first move adopts it and the second boots its own: two boots for five cases", async () => {
    const { report, started } = await run(migrations)
    for (const id of [...migrations, "host.clean"]) assert.equal(statusOf(report, id)?.status, "passed", id)
    assert.deepEqual(
      started.map((name) => name.replace(/^hxc-\w+-/, "")),
      ["1", "2"],
    )
  })

  it("R9 H6 a failed send that restarts the shared guest fails its case; the next case and the moves get fresh guests", async () => {
    const { report, started } = await run(migrations, (fake) => {
      const migration = fake.driver.migration
      assert.ok(migration)
      return {
        ...fake.driver,
        // The cancel answers, and the guest on the source has gone through a reset: its RAM marker is gone.
        migration: {
          ...migration,
          cancel: (name) => migration.cancel(name).pipe(Effect.andThen(fake.driver.reboot(name, { force: true }))),
        },
      }
    })
    const cancel = statusOf(report, "migration.cancel")
    assert.equal(cancel?.status, "failed")
    assert.match(cancel?.reason ?? "", /the RAM marker on the source holds undefined: the guest restarted/)
    for (const id of migrations.slice(1)) assert.equal(statusOf(report, id)?.status, "passed", id)
    assert.equal(statusOf(report, "host.clean")?.status, "passed")
    assert.deepEqual(
      started.map((name) => name.replace(/^hxc-\w+-/, "")),
      ["1", "2", "3"],
    )
  })
})
