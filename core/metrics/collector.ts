import { Duration, Effect, Layer } from "effect"
import { HostConfig } from "../config.ts"
import type { Driver, FileSystemUsage, VmStats } from "../driver/driver.ts"
import { DriverRegistry } from "../driver/registry.ts"
import type { Vm } from "../model/vm.ts"
import { now } from "../operations/clock.ts"
import { Store } from "../store/ports.ts"
import { defaultMetricsPolicy, type MetricsPolicy } from "./policy.ts"
import { maintainSamples } from "./retention.ts"
import { type Counters, type MetricSample, sampleOf } from "./sample.ts"

/** Sampling a host's VMs side by side, but not all at once: each is a QMP round trip and a few /proc reads. */
const concurrency = 8

const usedPercent = (fileSystems: ReadonlyArray<FileSystemUsage>): number | null => {
  const total = fileSystems.reduce((sum, fs) => sum + fs.totalBytes, 0)
  return total <= 0 ? null : (fileSystems.reduce((sum, fs) => sum + fs.usedBytes, 0) / total) * 100
}

/** File-system use only where monitoring is installed (the guest agent answers); never fails the sample. */
const diskUse = (driver: Driver, vm: Vm) =>
  vm.monitoringInstalled && driver.guestAgent !== undefined
    ? driver.guestAgent.fileSystems(vm.hostname).pipe(
        Effect.map(usedPercent),
        Effect.orElseSucceed(() => null),
      )
    : Effect.succeed(null)

/**
 * R1: "monitoring installed" is found, not declared: the first sample in which the hypervisor sees the guest's agent
 * running marks the VM (its file-system figures can then be read, and alarms set). It stays marked: an agent that
 * stops later leaves gaps in the series, not a VM that refuses the alarms it has. A failed write is tried again with
 * the next sample.
 */
const noteMonitoring = (vm: Vm, reading: VmStats) =>
  reading.guestAgentRunning !== true || vm.monitoringInstalled
    ? Effect.void
    : Store.use((store) => store.vms.update(vm.id, { monitoringInstalled: true })).pipe(
        Effect.andThen(Effect.logInfo(`monitoring found on VM ${vm.id}: its guest agent runs`)),
        Effect.catch((error) => Effect.logWarning(`could not mark VM ${vm.id} as monitored`, error)),
      )

/**
 * A collector for this host (M1): each round samples every running VM placed here through its driver's `stats`
 * and writes one row per VM. The counters a disk or network rate needs live in this collector, so the first round
 * after a start has no rates (null), and a VM that stopped is forgotten. A VM whose stats fail is skipped for the
 * round (it may be stopping); the others are written.
 */
export const makeCollector = () => {
  const counters = new Map<string, Counters>()
  const round = Effect.fn("metrics.collectRound")(function* () {
    const store = yield* Store
    const host = yield* HostConfig
    const registry = yield* DriverRegistry
    // The first start seeds this host's row after the jobs began: nothing of it runs anything yet
    const row = yield* store.hosts.get(host.hostId).pipe(Effect.catchTag("NotFound", () => Effect.succeed(undefined)))
    if (row === undefined) return 0
    const driver = yield* registry.get(row.driver)
    const stats = driver.stats
    if (stats === undefined) return 0
    const vms = yield* store.vms.list({ states: ["running"], hostId: host.hostId })
    const at = yield* now
    const samples = yield* Effect.forEach(
      vms,
      (vm) =>
        Effect.all([stats(vm.hostname), diskUse(driver, vm)]).pipe(
          Effect.tap(([reading]) => noteMonitoring(vm, reading)),
          Effect.map(([reading, used]) => {
            const next = sampleOf(vm.id, reading, at, counters.get(vm.id), used)
            counters.set(vm.id, next.counters)
            return next.sample
          }),
          Effect.option,
        ),
      { concurrency },
    )
    const taken = samples.flatMap((s): ReadonlyArray<MetricSample> => (s._tag === "Some" ? [s.value] : []))
    const running = new Set(vms.map((vm) => vm.id))
    for (const vmId of counters.keys()) if (!running.has(vmId)) counters.delete(vmId)
    yield* store.metrics.insertRaw(taken)
    return taken.length
  })
  return { round }
}

/**
 * The collector's loop: a round every interval (on Effect's Clock, so tests move time), and every five minutes the
 * roll-up and retention. Never fails: a round that breaks (the store is away) is logged and the next one comes.
 */
export const runMetricsCollector = (policy: MetricsPolicy = defaultMetricsPolicy) =>
  Effect.gen(function* () {
    const collector = makeCollector()
    const maintainEvery = Math.max(1, Math.round(300_000 / Duration.toMillis(policy.interval)))
    let rounds = 0
    return yield* Effect.forever(
      Effect.gen(function* () {
        yield* collector.round().pipe(Effect.catchCause((cause) => Effect.logError("a metrics round failed", cause)))
        rounds += 1
        if (rounds % maintainEvery === 0) {
          yield* maintainSamples(policy).pipe(
            Effect.catchCause((cause) => Effect.logError("metrics roll-up failed", cause)),
          )
        }
        yield* Effect.sleep(policy.interval)
      }),
    )
  })

/** The collector as a layer: started with the agent, stopped with it (like SchedulerLayer). */
export const MetricsCollectorLayer = (policy: MetricsPolicy = defaultMetricsPolicy) =>
  Layer.effectDiscard(Effect.forkScoped(runMetricsCollector(policy)))
