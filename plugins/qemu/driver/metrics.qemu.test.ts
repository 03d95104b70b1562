import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { after, before, describe, it } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import { Effect } from "effect"
import { makeCollector } from "../../../core/metrics/index.ts"
import { Store } from "../../../core/store/ports.ts"
import { adminQuery } from "../../../core/store/testing.ts"
import { guestExec } from "../qga/commands/exec.ts"
import { makeQemuCore, type QemuCore } from "./core-testing.ts"

const serverUrl = process.env.TEST_DATABASE_URL
const skip =
  serverUrl === undefined || serverUrl === "" ? "TEST_DATABASE_URL not set: needs a PostgreSQL server" : false
/** The collector's interval in this test (the agent's default is 30 s; the figures do not depend on it). */
const intervalMs = 2_000

describe("M1 metrics of a real guest (QEMU under TCG, PostgreSQL)", { skip }, () => {
  let core: QemuCore | undefined
  const database = `hx_test_metrics_${randomUUID().replaceAll("-", "").slice(0, 12)}`
  before(async () => {
    if (serverUrl === undefined) return
    await Effect.runPromise(adminQuery(serverUrl, `create database ${database}`))
    const url = new URL(serverUrl)
    url.pathname = `/${database}`
    core = await makeQemuCore({ database: { dialect: "postgres", url: url.toString() } })
  })
  after(async () => {
    await core?.dispose()
    if (serverUrl !== undefined) {
      await Effect.runPromise(adminQuery(serverUrl, `drop database if exists ${database} with (force)`))
    }
  })

  it("M1 a guest burning CPU shows it in the series within two intervals; disk and memory figures are there", async () => {
    assert.ok(core)
    const q = core
    const vm = await q.createVm()
    const collector = makeCollector()
    const round = async () => {
      await q.run(collector.round())
      await sleep(intervalMs)
    }
    // Idle: the first reading covers QEMU's boot, so the second is the idle one.
    await round()
    await round()
    await q.run(
      q.driver.withGuestAgent(vm.hostname, (agent) =>
        guestExec(agent, { path: "/bin/sh", args: ["-c", "while :; do :; done"] }),
      ),
    )
    await round()
    await q.run(collector.round())
    const samples = await q.run(
      Store.use((s) => s.metrics.series(vm.id, "raw", new Date(Date.now() - 3_600_000), new Date(Date.now() + 1000))),
    )
    assert.equal(samples.length, 4)
    const cpu = samples.map((s) => s.cpuPercent ?? 0)
    const idle = cpu[1] ?? 100
    const burning = Math.max(cpu[2] ?? 0, cpu[3] ?? 0)
    // The figure is the QEMU process's CPU time over wall time: a busy loop takes what the host grants QEMU. On a
    // free host that is ~100%; on this 2-core machine at load ~23 it measured 24% (idle 2.4%). So the test asks for a
    // rise far beyond the idle figure rather than an absolute level the machine's load decides.
    assert.ok(burning >= 10 && burning >= 4 * idle, `CPU idle ${idle}%, burning ${burning}% (${cpu.join(", ")})`)
    const last = samples[3]
    assert.ok(last && (last.memoryTotalBytes ?? 0) > 0 && (last.memoryUsedBytes ?? 0) > 0)
    assert.ok(last && last.diskReadBps !== null && last.diskWriteBps !== null)
  })
})
