import { Effect, Option } from "effect"
import type { VmStats } from "../../../core/driver/driver.ts"
import type { VmSpec } from "../../../core/driver/spec.ts"
import { diskNames, FIXED_IDS } from "../argv/names.ts"
import { guestCountersByMac } from "../qga/commands/network.ts"
import { queryBlockstats } from "../qmp/commands/block.ts"
import { guestSideOpen } from "../qmp/commands/chardev.ts"
import { balloonGuestStats, peripheralPath, reportedStats } from "../qmp/commands/qom.ts"
import type { Domains } from "./domains.ts"
import { countedOnHost, type GuestCounters, nicCounters } from "./nic-counters.ts"
import { residentBytes, sampleCpu, startedAtUptime } from "./process.ts"
import type { Session } from "./session.ts"

const MiB = 1024 * 1024

/**
 * CPU use since the previous call (since QEMU started, the first time), as a percentage of the VM's vCPUs: QEMU's
 * whole process time from /proc, so device emulation counts too.
 */
const cpuPercent = (session: Session, cpus: number): number => {
  const now = sampleCpu(session.pid)
  if (!now) return 0
  const previous = session.cpuSample ?? {
    cpuSeconds: 0,
    uptimeSeconds: startedAtUptime(session.pid) ?? now.uptimeSeconds,
  }
  session.cpuSample = now
  const wall = now.uptimeSeconds - previous.uptimeSeconds
  if (wall <= 0) return 0
  const percent = ((now.cpuSeconds - previous.cpuSeconds) / (wall * cpus)) * 100
  return Math.min(100, Math.max(0, percent))
}

/** Memory as the guest's balloon driver reports it; before its first report, QEMU's resident size stands in. */
const memory = (session: Session, configured: number) =>
  session.monitor("stats").pipe(
    Effect.flatMap((monitor) => balloonGuestStats(monitor, peripheralPath(FIXED_IDS.balloon))),
    Effect.map((balloon) => {
      const stats = reportedStats(balloon)
      const total = stats["stat-total-memory"]
      const available = stats["stat-available-memory"] ?? stats["stat-free-memory"]
      return total !== undefined && available !== undefined && balloon.lastUpdate > 0
        ? { total: Math.min(total, configured), used: Math.min(Math.max(0, total - available), total) }
        : undefined
    }),
    Effect.orElseSucceed(() => undefined),
    Effect.map(
      (reported) => reported ?? { total: configured, used: Math.min(residentBytes(session.pid) ?? 0, configured) },
    ),
  )

/** How long a sample waits for the guest agent's counters (connecting included): a silent guest leaves them unknown. */
const guestCountersTimeoutMs = 2_000
/** After an open agent port did not answer, samples leave it alone this long (a hung agent). */
const guestCountersBackoffMs = 60_000

/**
 * The guest agent's per-interface counters, for NICs the host cannot count (user-mode networking). Asked only when
 * the guest's side of the agent's channel is open (the agent runs: QMP tells, without asking it, so a booting guest
 * or one without an agent costs nothing), no operation holds the domain (a sample never waits behind a backup's
 * freeze, nor shares the channel with one), and not again for a minute after an open agent did not answer;
 * undefined otherwise. The sample keeps no channel open: the agent's socket serves one client at a time.
 */
const guestCounters = (
  domains: Domains,
  session: Session,
  spec: VmSpec,
  listening: boolean,
): Effect.Effect<GuestCounters | undefined> =>
  Effect.gen(function* () {
    if (!listening || spec.nics.every(countedOnHost)) return undefined
    if ((session.guestCountersAfter ?? 0) > Date.now()) return undefined
    const asked = session
      .withAgentBriefly("stats", (agent) => guestCountersByMac(agent, { timeoutMs: guestCountersTimeoutMs }))
      .pipe(Effect.timeout(guestCountersTimeoutMs))
    return yield* domains
      .ifFree(spec.name)(asked)
      .pipe(
        Effect.map(Option.getOrUndefined),
        Effect.tapError(() =>
          Effect.sync(() => {
            session.guestCountersAfter = Date.now() + guestCountersBackoffMs
          }),
        ),
        Effect.orElseSucceed(() => undefined),
      )
  })

export const makeStats = (domains: Domains) =>
  Effect.fn("QemuDriver.stats")(function* (name: string) {
    const { domain, session } = yield* domains.running("stats", name)
    const spec = domain.definition.spec
    const monitor = yield* session.monitor("stats")
    const blockstats = yield* queryBlockstats(monitor).pipe(Effect.mapError(domains.errors.fromQmp("stats")))
    const mem = yield* memory(session, spec.memoryMiB * MiB)
    const disks = spec.disks.map((disk) => {
      const names = diskNames(disk.id)
      const entry = blockstats.find(
        (candidate) => candidate.nodeName === names.node || candidate.qdev?.includes(`/${names.device}/`) === true,
      )
      return { id: disk.id, readBytes: entry?.stats.rdBytes ?? 0, writeBytes: entry?.stats.wrBytes ?? 0 }
    })
    // The guest's side of the agent's channel is open while its agent runs (QMP tells, without asking the agent).
    const listening = spec.guestAgent
      ? yield* guestSideOpen(monitor, FIXED_IDS.qgaChardev).pipe(Effect.orElseSucceed(() => false))
      : false
    const nics = nicCounters(session.pid, spec.nics, yield* guestCounters(domains, session, spec, listening))
    return {
      cpuPercent: cpuPercent(session, spec.cpus),
      memoryTotalBytes: mem.total,
      memoryUsedBytes: mem.used,
      disks,
      ...(nics === undefined ? {} : { nics }),
      guestAgentRunning: listening,
      at: new Date(),
    } satisfies VmStats
  })
