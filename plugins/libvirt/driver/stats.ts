import { Effect, Option, Schema } from "effect"
import type { VmStats } from "../../../core/driver/driver.ts"
import { countersByMac, GuestNetworkInterface } from "../../qemu/qga/commands/network.ts"
import { statNumber } from "../virsh/parse.ts"
import { guestAgentConnected, parseDisks, parseNicMacs, parseNicTargets } from "../virsh/xml-read.ts"
import { diskIdOf, nicIdOf } from "../xml/names.ts"
import type { DriverContext } from "./context.ts"

const GROUPS = ["state", "cpu-total", "vcpu", "balloon", "block", "interface"]
/** Without an earlier sample (or a stale one) the CPU share is measured over this span. */
const FIRST_SAMPLE_SPAN_MS = 250
const STALE_AFTER_MS = 60_000
const KiB = 1024

interface CpuSample {
  readonly cpuTimeNs: number
  readonly atMs: number
}

type StatsRecord = Readonly<Record<string, string>>

/** CPU % between two samples, over all vCPUs (100 per busy vCPU), clamped to what the vCPUs can do. */
export const cpuPercent = (before: CpuSample, after: CpuSample, vcpus: number) => {
  const wallNs = (after.atMs - before.atMs) * 1e6
  if (wallNs <= 0) return 0
  const percent = ((after.cpuTimeNs - before.cpuTimeNs) / wallNs) * 100
  return Math.min(Math.max(percent, 0), 100 * Math.max(vcpus, 1))
}

/**
 * Memory as the guest's balloon driver reports it: total = the balloon's current size, used = total minus what the
 * guest could still hand out (`usable`, else `unused`). Before the first report only the total is known.
 */
export const memoryOf = (record: StatsRecord) => {
  const total = (statNumber(record, "balloon.current") ?? 0) * KiB
  const available = statNumber(record, "balloon.available")
  const spare = statNumber(record, "balloon.usable") ?? statNumber(record, "balloon.unused")
  const used = available !== undefined && spare !== undefined ? (available - spare) * KiB : 0
  return { memoryTotalBytes: total, memoryUsedBytes: Math.min(Math.max(used, 0), total) }
}

/** Bytes read and written per disk of the spec; libvirt names disks by target, our aliases name them by id. */
export const disksOf = (record: StatsRecord, idByTarget: ReadonlyMap<string, string>) => {
  const count = statNumber(record, "block.count") ?? 0
  return Array.from({ length: count }, (_, index) => index).flatMap((index) => {
    const id = idByTarget.get(record[`block.${index}.name`] ?? "")
    return id === undefined
      ? []
      : [
          {
            id,
            readBytes: statNumber(record, `block.${index}.rd.bytes`) ?? 0,
            writeBytes: statNumber(record, `block.${index}.wr.bytes`) ?? 0,
          },
        ]
  })
}

/** A NIC's bytes from the guest's side. */
interface Counters {
  readonly rxBytes: number
  readonly txBytes: number
}

/**
 * Bytes per NIC id that libvirt counts on the host, from the guest's side (libvirt swaps a tap's counters so that rx
 * is what the guest received); our aliases name NICs by id, domstats by their host device.
 */
export const hostNicCounters = (
  record: StatsRecord,
  idByTarget: ReadonlyMap<string, string>,
): ReadonlyMap<string, Counters> => {
  const count = statNumber(record, "net.count") ?? 0
  return new Map(
    Array.from({ length: count }, (_, index) => index).flatMap((index) => {
      const id = idByTarget.get(record[`net.${index}.name`] ?? "")
      return id === undefined
        ? []
        : [
            [
              id,
              {
                rxBytes: statNumber(record, `net.${index}.rx.bytes`) ?? 0,
                txBytes: statNumber(record, `net.${index}.tx.bytes`) ?? 0,
              },
            ] as const,
          ]
    }),
  )
}

/**
 * M1: each NIC's bytes: libvirt's host counters, or for a NIC it cannot count (user-mode networking has no host
 * device) the guest agent's, matched by MAC. A NIC counted by neither leaves the whole answer undefined, so the
 * series says "unknown" rather than a partial sum.
 */
export const nicsOf = (
  nics: ReadonlyArray<{ readonly id: string; readonly mac: string }>,
  host: ReadonlyMap<string, Counters>,
  guest?: ReadonlyMap<string, Counters>,
) => {
  if (nics.length === 0) return undefined
  const counted = nics.map((nic) => {
    const counters = host.get(nic.id) ?? guest?.get(nic.mac)
    return counters === undefined ? undefined : { id: nic.id, rxBytes: counters.rxBytes, txBytes: counters.txBytes }
  })
  return counted.every((nic) => nic !== undefined) ? counted : undefined
}

/** How long a sample waits for the guest agent's counters: a silent guest leaves them unknown. */
const guestCountersTimeoutS = 2
/** After a connected agent did not answer, samples leave it alone this long (a hung or frozen agent). */
const guestCountersBackoffMs = 60_000

/** `domstats` of a running domain; the CPU share is measured since the previous call (or over a short span). */
export const makeStats = (ctx: DriverContext) => {
  const previous = new Map<string, CpuSample>()
  const guestCountersAfter = new Map<string, number>()
  const sample = (name: string) =>
    ctx
      .call("stats", name, ctx.client.domainStats(name, GROUPS))
      .pipe(
        Effect.map((record) => ({ record, cpu: { cpuTimeNs: statNumber(record, "cpu.time") ?? 0, atMs: Date.now() } })),
      )

  /**
   * The guest agent's per-interface counters, asked only when a NIC has no host counters, libvirt shows the agent
   * connected, no operation holds the domain (a sample never waits behind a backup's freeze) and an earlier ask did
   * not go unanswered in the last minute; undefined otherwise.
   */
  const guestCounters = (name: string, xml: string): Effect.Effect<ReadonlyMap<string, Counters> | undefined> => {
    if ((guestCountersAfter.get(name) ?? 0) > Date.now() || !guestAgentConnected(xml)) return Effect.succeed(undefined)
    const asked = ctx.client
      .agentCommand(name, "guest-network-get-interfaces", undefined, { timeoutS: guestCountersTimeoutS })
      .pipe(Effect.flatMap(Schema.decodeUnknownEffect(Schema.Array(GuestNetworkInterface))), Effect.map(countersByMac))
    return ctx
      .ifFree(name)(asked)
      .pipe(
        Effect.map(Option.getOrUndefined),
        Effect.tapError(() => Effect.sync(() => guestCountersAfter.set(name, Date.now() + guestCountersBackoffMs))),
        Effect.orElseSucceed(() => undefined),
      )
  }

  return Effect.fn("LibvirtDriver.stats")(function* (name: string) {
    const operation = "stats"
    let now = yield* sample(name)
    if ((statNumber(now.record, "state.state") ?? 5) === 5)
      return yield* ctx.errors.wrongPower(operation, name, "stopped")
    let before = previous.get(name)
    if (before === undefined || now.cpu.atMs - before.atMs > STALE_AFTER_MS) {
      before = now.cpu
      yield* Effect.sleep(FIRST_SAMPLE_SPAN_MS)
      now = yield* sample(name)
    }
    previous.set(name, now.cpu)
    const xml = yield* ctx.call(operation, name, ctx.client.dumpXml(name))
    const idByTarget = new Map(
      parseDisks(xml).flatMap((disk) => {
        const id = disk.alias === undefined ? undefined : diskIdOf(disk.alias)
        return id === undefined ? [] : [[disk.target, id] as const]
      }),
    )
    const nicByTarget = new Map(
      parseNicTargets(xml).flatMap(({ target, alias }) => {
        const id = nicIdOf(alias)
        return id === undefined ? [] : [[target, id] as const]
      }),
    )
    const liveNics = parseNicMacs(xml).flatMap(({ alias, mac }) => {
      const id = nicIdOf(alias)
      return id === undefined ? [] : [{ id, mac }]
    })
    const host = hostNicCounters(now.record, nicByTarget)
    const guest = liveNics.every((nic) => host.has(nic.id)) ? undefined : yield* guestCounters(name, xml)
    const nics = nicsOf(liveNics, host, guest)
    return {
      cpuPercent: cpuPercent(before, now.cpu, statNumber(now.record, "vcpu.current") ?? 1),
      ...memoryOf(now.record),
      disks: disksOf(now.record, idByTarget),
      ...(nics === undefined ? {} : { nics }),
      guestAgentRunning: guestAgentConnected(xml),
      at: new Date(now.cpu.atMs),
    } satisfies VmStats
  })
}
