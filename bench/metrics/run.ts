/**
 * bench/metrics: what the metrics collector (M1) costs the agent. 50 VMs run on the fake driver over a real
 * PostgreSQL; the bench runs an hour's worth of collector rounds at the default interval back to back (plus the
 * five-minute roll-ups) and reports the agent's CPU time per hour of wall clock and the rows written per VM per
 * hour. Also one alarm evaluation round per collector round with one rule per VM (M2). Prints JSON on stdout:
 *   node --import tsx bench/metrics/run.ts [POSTGRES-URL] [--vms 50]
 * The URL argument or TEST_DATABASE_URL names a server; a scratch database is made there and dropped afterwards.
 * CPU is this process's (process.cpuUsage, user + system): the PostgreSQL server's own time is not in it.
 */
import { randomBytes, randomUUID } from "node:crypto"
import { cpus } from "node:os"
import { Duration, Effect, Layer, ManagedRuntime } from "effect"
import { evaluateAlarms } from "../../core/alarms/index.ts"
import { createAlarm } from "../../core/alarms/manage.ts"
import { coreLayer } from "../../core/layer.ts"
import { defaultMetricsPolicy, maintainSamples, makeCollector } from "../../core/metrics/index.ts"
import { at } from "../../core/metrics/testing.ts"
import { Notifier } from "../../core/notify/index.ts"
import { power } from "../../core/operations/power.ts"
import { seedVm, seedWorld } from "../../core/operations/testing/world.ts"
import { layerPostgres } from "../../core/store/layer.ts"
import { Store } from "../../core/store/ports.ts"
import { makeFakeDriver } from "../../plugins/fake/index.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages } from "../shared/load.ts"
import { withScratchDatabase } from "../shared/scratch-database.ts"

const vmCount = wholeNumberFlag("--vms", 50)
const postgresUrl =
  process.argv.slice(2).find((arg) => /^postgres(ql)?:\/\//.test(arg)) ?? process.env.TEST_DATABASE_URL
const progress = (line: string) => process.stderr.write(`${line}\n`)

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1e6
}

const bench = async (url: string) => {
  const fake = await Effect.runPromise(makeFakeDriver({ bootDelayMs: 0, shutdownDelayMs: 0 }))
  const host = {
    hostId: randomUUID(),
    storageDir: "/tmp/hx-bench",
    shutdownTimeoutMs: 2000,
    secretKey: randomBytes(32),
  }
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(
      coreLayer({ host, drivers: [fake.driver] }),
      layerPostgres(url),
      Layer.succeed(Notifier, Notifier.of({ name: "bench", send: () => Effect.void })),
    ),
  )
  try {
    const world = await runtime.runPromise(seedWorld(fake.driver.name, host.hostId))
    progress(`starting ${vmCount} VMs on the fake driver…`)
    const vms = await runtime.runPromise(
      Effect.forEach(
        Array.from({ length: vmCount }),
        () =>
          Effect.gen(function* () {
            const vm = yield* seedVm(world, { monitoringInstalled: true })
            yield* Effect.flatMap(power(world.actors.owner, vm.id, "start"), (h) => h.done)
            yield* createAlarm(world.actors.owner, vm.id, {
              metric: "cpu",
              thresholdPercent: 90,
              durationMinutes: 5,
              recipientUserIds: [world.users.owner.id],
            })
            return vm
          }),
        { concurrency: 4 },
      ),
    )
    const intervalMs = Duration.toMillis(defaultMetricsPolicy.interval)
    const rounds = Math.round(3_600_000 / intervalMs)
    const start = Date.parse("2026-12-06T00:00:00Z")
    const collector = makeCollector()
    progress(`${rounds} collector rounds (an hour at ${intervalMs / 1000} s)…`)
    let collectCpu = 0
    let alarmCpu = 0
    let rollupCpu = 0
    let written = 0
    const wallStart = performance.now()
    for (let i = 0; i < rounds; i++) {
      const when = new Date(start + i * intervalMs)
      let mark = process.cpuUsage()
      written += await runtime.runPromise(at(when, collector.round()))
      collectCpu += cpuSeconds(mark)
      mark = process.cpuUsage()
      await runtime.runPromise(at(when, evaluateAlarms()))
      alarmCpu += cpuSeconds(mark)
      if ((i + 1) % Math.round(300_000 / intervalMs) === 0) {
        mark = process.cpuUsage()
        await runtime.runPromise(at(new Date(when.getTime() + intervalMs), maintainSamples(defaultMetricsPolicy)))
        rollupCpu += cpuSeconds(mark)
      }
    }
    const wallSeconds = (performance.now() - wallStart) / 1000
    const rows = await runtime.runPromise(
      Store.use((s) =>
        Effect.all([
          s.metrics.series(vms[0]?.id ?? "", "raw", new Date(start), new Date(start + 3_600_000)),
          s.metrics.series(vms[0]?.id ?? "", "5m", new Date(start), new Date(start + 3_600_000)),
        ]),
      ),
    )
    const percentOfCore = (seconds: number) => Math.round((seconds / 3600) * 100 * 1000) / 1000
    return {
      vms: vmCount,
      intervalSeconds: intervalMs / 1000,
      roundsPerHour: rounds,
      samplesWritten: written,
      rowsPerVmPerHour: { raw: rows[0].length, rolledUp5m: rows[1].length },
      agentCpuSecondsPerHour: {
        collector: Math.round(collectCpu * 1000) / 1000,
        rollUpAndRetention: Math.round(rollupCpu * 1000) / 1000,
        alarmEvaluation: Math.round(alarmCpu * 1000) / 1000,
      },
      percentOfOneCore: {
        collector: percentOfCore(collectCpu + rollupCpu),
        withAlarms: percentOfCore(collectCpu + rollupCpu + alarmCpu),
        target: 1,
      },
      meanRoundMs: Math.round(((wallSeconds * 1000) / rounds) * 10) / 10,
    }
  } finally {
    await runtime.dispose()
  }
}

const main = async () => {
  if (postgresUrl === undefined) {
    console.log(JSON.stringify({ skipped: "no PostgreSQL: pass a URL or set TEST_DATABASE_URL" }))
    return
  }
  const result = await withScratchDatabase(postgresUrl, bench)
  console.log(
    JSON.stringify(
      { bench: "metrics", machine: { cpus: cpus().length, load: loadAverages() }, postgres: result },
      null,
      2,
    ),
  )
}

await main()
