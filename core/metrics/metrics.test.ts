import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { HostConfig } from "../config.ts"
import { NotFound } from "../errors.ts"
import { power } from "../operations/power.ts"
import { seedVm } from "../operations/testing/world.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { makeCollector } from "./collector.ts"
import { defaultMetricsPolicy } from "./policy.ts"
import { maintainSamples } from "./retention.ts"
import { vmMetrics } from "./series.ts"
import { at, insertSamples } from "./testing.ts"

// PGlite is being removed (#13): these run on a PostgreSQL server only.
for (const backend of storeBackends.filter((b) => b.name === "postgres")) {
  describe(`metrics on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)

    it("M1 before a first start seeds its host's row, a round samples nothing and fails nothing (no error logged)", () =>
      core.run(
        Effect.gen(function* () {
          const unseeded = { ...(yield* HostConfig), hostId: randomUUID() }
          assert.equal(yield* makeCollector().round().pipe(Effect.provideService(HostConfig, unseeded)), 0)
        }),
      ))
    const owner = () => core.world.actors.owner
    const runningVm = Effect.gen(function* () {
      const vm = yield* seedVm(core.world, { monitoringInstalled: true })
      yield* Effect.flatMap(power(core.world.actors.owner, vm.id, "start"), (handle) => handle.done)
      return vm
    })

    it("M1 a round samples every running VM of the host; rates appear from the second round", async () => {
      const [busy, idle, stopped] = await core.run(
        Effect.all([runningVm, runningVm, seedVm(core.world, { monitoringInstalled: true })]),
      )
      await core.run(core.fake.simulate.setLoad(busy.hostname, { cpuPercent: 73, memoryUsedBytes: 100 * 2 ** 20 }))
      const collector = makeCollector()
      await core.run(at("2026-12-06T10:00:00Z", collector.round()))
      // The collector's timer drifts by milliseconds; the step a client shows stays whole seconds.
      await core.run(at("2026-12-06T10:00:30.009Z", collector.round()))
      const series = await core.run(
        at("2026-12-06T10:01:00Z", vmMetrics(owner(), busy.id, { from: new Date("2026-12-06T09:59:00Z") })),
      )
      assert.equal(series.tier, "raw")
      assert.equal(series.stepSeconds, 30)
      assert.deepEqual(series.at, [
        Date.parse("2026-12-06T10:00:00Z") / 1000,
        Date.parse("2026-12-06T10:00:30Z") / 1000,
      ])
      assert.deepEqual(series.cpuPercent, [73, 73])
      assert.deepEqual(series.memoryUsedBytes, [100 * 2 ** 20, 100 * 2 ** 20])
      assert.equal(series.memoryPercent[0], (100 / 128) * 100)
      // No earlier counter at the first round; then the bytes moved over 30 s, as rates.
      assert.equal(series.diskReadBps[0], null)
      assert.ok((series.diskReadBps[1] ?? -1) >= 0)
      assert.ok((series.netRxBps[1] ?? -1) >= 0)
      // File-system use from the guest agent where monitoring is installed.
      assert.ok((series.diskUsedPercent[0] ?? 0) > 0)
      const idleSeries = await core.run(
        at("2026-12-06T10:01:00Z", vmMetrics(owner(), idle.id, { from: new Date("2026-12-06T09:59:00Z") })),
      )
      assert.equal(idleSeries.at.length, 2)
      const none = await core.run(
        at("2026-12-06T10:01:00Z", vmMetrics(owner(), stopped.id, { from: new Date("2026-12-06T09:59:00Z") })),
      )
      assert.equal(none.at.length, 0)
    })

    it("R1 M1 monitoring is found by the round that sees the guest's agent run: the VM then takes alarms; a stopped one stays without", async () => {
      const unmonitored = Effect.gen(function* () {
        const vm = yield* seedVm(core.world, { monitoringInstalled: false })
        yield* Effect.flatMap(power(core.world.actors.owner, vm.id, "start"), (handle) => handle.done)
        return vm
      })
      const [found, stopped] = await core.run(
        Effect.all([unmonitored, seedVm(core.world, { monitoringInstalled: false })]),
      )
      const installed = (id: string) => core.run(Store.use((s) => s.vms.get(id))).then((vm) => vm.monitoringInstalled)
      assert.equal(await installed(found.id), false)
      await core.run(at("2026-12-06T11:00:00Z", makeCollector().round()))
      assert.equal(await installed(found.id), true, "the fake guest runs its agent")
      assert.equal(await installed(stopped.id), false, "no sample, no agent seen")
      const series = await core.run(
        at("2026-12-06T11:00:30Z", vmMetrics(owner(), found.id, { from: new Date("2026-12-06T10:59:00Z") })),
      )
      assert.deepEqual(series.diskUsedPercent, [null], "the round that found it read no file systems yet")
    })

    it("M1 G1 a VM outside the caller's scope is not found, and a bad range is invalid input", async () => {
      const vm = await core.run(seedVm(core.world))
      const outsider = await core.run(Effect.flip(vmMetrics(core.world.actors.outsider, vm.id)))
      assert.ok(outsider instanceof NotFound)
      const backwards = await core.run(
        Effect.flip(
          vmMetrics(owner(), vm.id, { from: new Date("2026-12-06T10:00:00Z"), to: new Date("2026-12-06T09:00:00Z") }),
        ),
      )
      assert.equal(backwards._tag, "InvalidInput")
      const tooLong = await core.run(
        Effect.flip(
          vmMetrics(owner(), vm.id, { from: new Date("2026-10-01T00:00:00Z"), to: new Date("2026-12-06T00:00:00Z") }),
        ),
      )
      assert.equal(tooLong._tag, "InvalidInput")
    })

    it("M1 raw samples roll up into five-minute averages, raw is kept a day and averages a month", async () => {
      const vmId = randomUUID()
      // Ten minutes of samples every 30 s: CPU 10 in the first five minutes, 30 in the next.
      const cpu = [...Array.from({ length: 10 }, () => 10), ...Array.from({ length: 10 }, () => 30)]
      await core.run(insertSamples(vmId, "2026-12-01T08:00:00Z", 30, cpu))
      // At 08:07 only the first bucket has ended.
      await core.run(at("2026-12-01T08:07:00Z", maintainSamples(defaultMetricsPolicy)))
      const rolledAt = (when: string) =>
        core.run(Store.use((s) => s.metrics.series(vmId, "5m", new Date("2026-12-01T00:00:00Z"), new Date(when))))
      assert.deepEqual(
        (await rolledAt("2026-12-02T00:00:00Z")).map((s) => [s.at.toISOString(), s.cpuPercent]),
        [["2026-12-01T08:00:00.000Z", 10]],
      )
      // Later both have ended; running it twice changes nothing.
      await core.run(at("2026-12-01T08:20:00Z", maintainSamples(defaultMetricsPolicy)))
      const again = await core.run(at("2026-12-01T08:20:00Z", maintainSamples(defaultMetricsPolicy)))
      assert.equal(again.rawDeleted, 0)
      assert.deepEqual(
        (await rolledAt("2026-12-02T00:00:00Z")).map((s) => [s.at.toISOString(), s.cpuPercent]),
        [
          ["2026-12-01T08:00:00.000Z", 10],
          ["2026-12-01T08:05:00.000Z", 30],
        ],
      )
      const raw = (when: Date) =>
        core.run(Store.use((s) => s.metrics.series(vmId, "raw", new Date("2026-12-01T00:00:00Z"), when)))
      assert.equal((await raw(new Date("2026-12-03T00:00:00Z"))).length, 20)
      // A day and a bit later, raw is gone and the averages stay; a month later they are gone too.
      const dayLater = await core.run(at("2026-12-02T08:11:00Z", maintainSamples(defaultMetricsPolicy)))
      assert.ok(dayLater.rawDeleted >= 20)
      assert.equal((await raw(new Date("2026-12-03T00:00:00Z"))).length, 0)
      assert.equal((await rolledAt("2026-12-02T00:00:00Z")).length, 2)
      // The series picks the rolled-up tier for a range older than the raw retention.
      const vm = await core.run(seedVm(core.world))
      await core.run(insertSamples(vm.id, "2026-12-01T08:00:00Z", 30, cpu))
      await core.run(at("2026-12-01T08:20:00Z", maintainSamples(defaultMetricsPolicy)))
      const old = await core.run(
        at(
          "2026-12-03T00:00:00Z",
          vmMetrics(owner(), vm.id, { from: new Date("2026-12-01T07:00:00Z"), to: new Date("2026-12-01T09:00:00Z") }),
        ),
      )
      assert.equal(old.tier, "5m")
      assert.equal(old.stepSeconds, 300)
      assert.deepEqual(old.cpuPercent, [10, 30])
      await core.run(at("2026-12-31T09:00:00Z", maintainSamples(defaultMetricsPolicy)))
      assert.equal((await rolledAt("2026-12-02T00:00:00Z")).length, 0)
    })
  })
}
