import { Effect, Fiber, PubSub, Schedule, Stream } from "effect"
import { diskSyncTimeoutOf, disksDidNotConverge } from "../../../core/driver/disk-sync.ts"
import type {
  Driver,
  IncomingEndpoint,
  IncomingOptions,
  MigrationProgress,
  MigrationResult,
  SendOptions,
} from "../../../core/driver/driver.ts"
import type { VmSpec } from "../../../core/driver/spec.ts"
import { freePort } from "../../qemu/driver/free-port.ts"
import type { LibvirtError } from "../virsh/errors.ts"
import { jobFigure } from "../virsh/parse.ts"
import { attribute, elements, parseDisks } from "../virsh/xml-read.ts"
import type { DriverContext } from "./context.ts"
import type { Lifecycle } from "./lifecycle.ts"

type Migration = NonNullable<Driver["migration"]>

/** The inactive definition of `name` on the libvirtd at `uri` (the target, read from the source's side). */
export type PeerXml = (uri: string, name: string) => Effect.Effect<string, LibvirtError>

const POLL_MS = 500
/**
 * Until the job's first sample: an idle guest's whole migration takes about a second here, so at POLL_MS the first
 * sample (the caller's sign that the send is under way) often came when it was nearly over.
 */
const FIRST_POLL_MS = 50
/** The contract's default for the switch-over pause. */
const DOWNTIME_LIMIT_MS = 20
/** How long virsh may take for the memory phase once the disks are copied (it was the whole send's limit before). */
const MEMORY_PHASE_MS = 600_000

const quoted = (value: string) =>
  `'${value.replaceAll("&", "&amp;").replaceAll("'", "&apos;").replaceAll("<", "&lt;")}'`

/** COM1's socket and log files in a domain's XML (libvirt repeats them in `<console>`). */
const serialFiles = (xml: string) => {
  const serial = elements(xml, "serial")[0] ?? ""
  return [attribute(serial, "source", "path"), attribute(serial, "log", "file")]
}

/**
 * The source's migratable XML with this host's files replaced by the target's: each disk's file by the file of the
 * disk with the same alias in the target's definition (local storage: the target made its own files; shared: the
 * same path, no change), and COM1's socket and log by the target's (its own state folder).
 */
export const withTargetPaths = (sourceXml: string, targetXml: string): string => {
  const targetFiles = new Map(
    parseDisks(targetXml).flatMap((disk) =>
      disk.alias === undefined || disk.source === undefined ? [] : [[disk.alias, disk.source] as const],
    ),
  )
  let xml = sourceXml
  for (const block of elements(sourceXml, "disk")) {
    const alias = attribute(block, "alias", "name")
    const from = attribute(block, "source", "file")
    const to = alias === undefined ? undefined : targetFiles.get(alias)
    if (from === undefined || to === undefined || from === to) continue
    xml = xml.replace(block, block.replace(/(<source\b[^>]*\sfile=)(?:'[^']*'|"[^"]*")/, `$1${quoted(to)}`))
  }
  const targetSerial = serialFiles(targetXml)
  serialFiles(sourceXml).forEach((from, index) => {
    const to = targetSerial[index]
    if (from !== undefined && to !== undefined && from !== to) xml = xml.replaceAll(quoted(from), quoted(to))
  })
  return xml
}

/** One `domjobinfo` of a running migration as the contract's sample. */
const sampleOf = (name: string, info: Readonly<Record<string, string>>): MigrationProgress => ({
  name,
  phase: jobFigure(info, "File remaining") > 0 || jobFigure(info, "Disk remaining") > 0 ? "disks" : "memory",
  transferredBytes: jobFigure(info, "Data processed"),
  remainingBytes: jobFigure(info, "Data remaining"),
  dirtyPagesRate: jobFigure(info, "Dirty rate"),
  expectedDowntimeMs: jobFigure(info, "Expected downtime"),
  at: new Date(),
})

const endSample = (name: string, phase: MigrationProgress["phase"]): MigrationProgress => ({
  name,
  phase,
  transferredBytes: 0,
  remainingBytes: 0,
  dirtyPagesRate: 0,
  expectedDowntimeMs: 0,
  at: new Date(),
})

/**
 * The contract's migration group over `virsh migrate --live --p2p`: the source's libvirtd drives both ends
 * (`migrationPeerUri` names the target's libvirtd), so the target's half prepares a definition and proves the guest,
 * and the source's half runs the migration. libvirt ends the source's QEMU when the migration completes (it keeps no
 * paused copy), so a failure after `send` can only start the guest again here, not resume it: the README says so.
 */
export const makeMigration = (
  ctx: DriverContext,
  lifecycle: Lifecycle,
  peerXml: PeerXml,
  guestPing: (name: string) => Effect.Effect<void, unknown>,
) =>
  Effect.gen(function* () {
    const { client, errors } = ctx
    const hub = yield* PubSub.unbounded<MigrationProgress>()
    /** Target: the specs of the domains prepared here and not yet finished or aborted. */
    const incoming = new Map<string, VmSpec>()
    /** Source: the domains whose `send` runs, and those of them a `cancel` asked to stop. */
    const sending = new Set<string>()
    const cancelled = new Set<string>()
    /** Sources whose disk phase outlived its deadline: their send was aborted for it. */
    const outlived = new Set<string>()

    const prepareIncoming = Effect.fn("LibvirtDriver.migration.prepareIncoming")(function* (
      spec: VmSpec,
      options: IncomingOptions,
    ) {
      const operation = "migration.prepareIncoming"
      yield* ctx.call(operation, spec.name, client.version())
      const current = yield* lifecycle.stateIfAny(operation, spec.name)
      if (current !== undefined && current.power !== "stopped")
        return yield* errors.wrongPower(operation, spec.name, current.power)
      // The definition (disk paths of this host) is what the source's migration carries over; libvirt accepts an
      // incoming domain over an inactive definition with the same uuid. It also makes the serial socket's folder.
      yield* lifecycle.define(spec)
      const port = yield* freePort(options.listenHost).pipe(
        Effect.catch((error) => errors.failure(operation, `no free port: ${error.message}`, true)),
      )
      const nbdPort =
        options.storage === "local"
          ? yield* freePort(options.listenHost).pipe(
              Effect.catch((error) => errors.failure(operation, `no free port: ${error.message}`, true)),
            )
          : undefined
      // libvirt's own events for the incoming domain ("Started Migrated") are the platform's doing
      if (!incoming.has(spec.name)) ctx.quiet.enter(spec.name)
      incoming.set(spec.name, spec)
      const endpoint: IncomingEndpoint =
        nbdPort === undefined ? { host: options.listenHost, port } : { host: options.listenHost, port, nbdPort }
      return endpoint
    })

    const forget = (name: string) => {
      if (incoming.delete(name)) ctx.quiet.leave(name)
    }

    /** Samples the running job every FIRST_POLL_MS until it is seen, then every POLL_MS. */
    const poll = (name: string) =>
      Effect.gen(function* () {
        let seen = false
        for (;;) {
          const info = yield* Effect.option(client.jobInfo(name, { completed: false }))
          if (info._tag === "Some" && info.value["Job type"] === "Unbounded") {
            seen = true
            yield* PubSub.publish(hub, sampleOf(name, info.value))
          }
          yield* Effect.sleep(seen ? POLL_MS : FIRST_POLL_MS)
        }
      })

    /**
     * The downtime limit, set as soon as the job exists (virsh migrate has no option for it; an idle guest's whole
     * migration takes under a second here, so it is tried every 50 ms).
     */
    const limitDowntime = (name: string, ms: number) =>
      client.setMaxDowntime(name, ms).pipe(Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 200 }))

    /**
     * Local storage: once `deadlineMs` has passed, a job that has not reached its memory phase (the disks still
     * copying, or the job not even started) is aborted; the send then fails for that reason and the guest runs on
     * here. The abort is tried again while the job is not there yet, as a cancel's is.
     */
    const abortAtDiskDeadline = (name: string, deadlineMs: number) =>
      Effect.gen(function* () {
        yield* Effect.sleep(deadlineMs)
        for (;;) {
          const info = yield* Effect.option(client.jobInfo(name, { completed: false }))
          const started = info._tag === "Some" && info.value["Job type"] === "Unbounded"
          // libvirt sends memory only once every disk's copy has caught up (--copy-storage-all): until then the
          // disks are still copying, whether or not the job shows their figures yet
          if (started && jobFigure(info.value, "Memory processed") > 0 && sampleOf(name, info.value).phase !== "disks")
            return
          if (started) {
            outlived.add(name)
            if (yield* Effect.isSuccess(client.jobAbort(name))) return
          }
          if (!sending.has(name)) return
          yield* Effect.sleep(FIRST_POLL_MS)
        }
      })

    const send = Effect.fn("LibvirtDriver.migration.send")(function* (
      name: string,
      endpoint: IncomingEndpoint,
      options: SendOptions,
    ) {
      const operation = "migration.send"
      return yield* ctx.exclusive(name)(
        Effect.gen(function* () {
          const current = yield* lifecycle.state(operation, name)
          if (current.power !== "running") return yield* errors.wrongPower(operation, name, current.power)
          if (options.storage === "local" && endpoint.nbdPort === undefined)
            return yield* errors.invalid(operation, "local storage needs the target's disk port (nbdPort)")
          const deadline = diskSyncTimeoutOf(options)
          if ("invalid" in deadline) return yield* errors.invalid(operation, deadline.invalid)
          const diskSyncTimeoutMs = deadline.ms
          const peer = ctx.options.migrationPeerUri(endpoint.host)
          const targetXml = yield* ctx.call(operation, name, peerXml(peer, name))
          const xml = withTargetPaths(yield* ctx.call(operation, name, client.migratableXml(name)), targetXml)
          const pauseFirst = options.mode === "pause-first"
          if (pauseFirst) yield* ctx.call(operation, name, client.suspend(name))
          sending.add(name)
          const poller = yield* Effect.forkChild(
            Effect.all(
              [
                poll(name),
                Effect.ignore(limitDowntime(name, options.downtimeLimitMs ?? DOWNTIME_LIMIT_MS)),
                ...(options.storage === "local" ? [abortAtDiskDeadline(name, diskSyncTimeoutMs)] : []),
              ],
              { concurrency: "unbounded" },
            ),
          )
          const started = Date.now()
          const outcome = yield* Effect.exit(
            ctx
              .call(
                operation,
                name,
                client.migrate(name, peer, {
                  migrateUri: `tcp://${endpoint.host}:${endpoint.port}`,
                  xml,
                  copyStorage: options.storage === "local",
                  disksPort: options.storage === "local" ? endpoint.nbdPort : undefined,
                  // the caller vouches for storage both hosts see; libvirt calls any local file system unsafe
                  unsafe: options.storage === "shared",
                  // pre-copy converging by throttling (post-copy needs userfaultfd, which libvirt's QEMU lacks here)
                  autoConverge: options.mode !== "precopy",
                  timeoutMs: (options.storage === "local" ? diskSyncTimeoutMs : 0) + MEMORY_PHASE_MS,
                  bandwidthMiBps: ctx.options.migrationBandwidthMiBps,
                }),
              )
              .pipe(
                // an interrupted send (its caller gave up) must not leave libvirtd migrating on its own
                Effect.onInterrupt(() =>
                  Effect.ignore(client.jobAbort(name)).pipe(
                    Effect.andThen(pauseFirst ? Effect.ignore(client.resume(name)) : Effect.void),
                    Effect.andThen(
                      Effect.sync(() => {
                        sending.delete(name)
                        cancelled.delete(name)
                      }),
                    ),
                  ),
                ),
              ),
          )
          yield* Fiber.interrupt(poller)
          sending.delete(name)
          const wasCancelled = cancelled.delete(name)
          const wasOutlived = outlived.delete(name)
          if (outcome._tag === "Failure") {
            yield* PubSub.publish(hub, endSample(name, wasCancelled ? "cancelled" : "failed"))
            if (pauseFirst) yield* Effect.ignore(ctx.call(operation, name, client.resume(name)))
            if (wasOutlived && !wasCancelled)
              return yield* errors.failure(
                operation,
                disksDidNotConverge(diskSyncTimeoutMs, "the guest writes faster than the copy"),
                false,
              )
            return yield* Effect.failCause(outcome.cause)
          }
          const done = yield* Effect.option(client.jobInfo(name, { completed: true }))
          const info = done._tag === "Some" ? done.value : {}
          const transferredBytes = jobFigure(info, "Data processed")
          yield* PubSub.publish(hub, { ...endSample(name, "completed"), transferredBytes })
          const result: MigrationResult = {
            downtimeMs: jobFigure(info, "Total downtime"),
            totalMs: jobFigure(info, "Time elapsed") || Date.now() - started,
            transferredBytes,
            path: pauseFirst ? "pause-first" : "precopy",
          }
          return result
        }),
      )
    })

    /**
     * The job may not have started yet when `send` has (virsh is still connecting): `domjobabort` then finds none, so
     * it is tried again every 200 ms while the send runs (10 s at most).
     */
    const cancel = Effect.fn("LibvirtDriver.migration.cancel")(function* (name: string) {
      if (!sending.has(name)) return
      cancelled.add(name)
      yield* ctx.call("migration.cancel", name, client.jobAbort(name)).pipe(
        Effect.retry({ schedule: Schedule.spaced("200 millis"), times: 50, while: () => sending.has(name) }),
        Effect.catch((error) => (sending.has(name) ? Effect.fail(error) : Effect.void)),
      )
    })

    const finishIncoming = Effect.fn("LibvirtDriver.migration.finishIncoming")(function* (name: string) {
      const operation = "migration.finishIncoming"
      const current = yield* lifecycle.state(operation, name)
      // pause-first: libvirt keeps the guest paused on arrival; the proof below needs it running
      if (current.power === "paused") yield* ctx.call(operation, name, client.resume(name))
      else if (current.power !== "running") return yield* errors.wrongPower(operation, name, current.power)
      if (incoming.get(name)?.guestAgent !== false)
        yield* guestPing(name).pipe(
          Effect.retry({ schedule: Schedule.spaced("500 millis"), times: 60 }),
          Effect.catch(() => errors.failure(operation, `${name} runs here but its guest agent does not answer`, false)),
        )
      forget(name)
    })

    const abortIncoming = Effect.fn("LibvirtDriver.migration.abortIncoming")(function* (name: string) {
      const operation = "migration.abortIncoming"
      const current = yield* lifecycle.stateIfAny(operation, name)
      if (current !== undefined) {
        // an incoming QEMU still receiving is destroyed too: the source's migration then fails
        if (current.power !== "stopped") yield* lifecycle.destroy(operation, name)
        yield* lifecycle.undefine(name)
      }
      forget(name)
    })

    const release = Effect.fn("LibvirtDriver.migration.release")(function* (name: string) {
      const current = yield* lifecycle.stateIfAny("migration.release", name)
      if (current === undefined) return
      if (current.power !== "stopped") return yield* errors.wrongPower("migration.release", name, current.power)
      yield* lifecycle.undefine(name)
    })

    const rollback = Effect.fn("LibvirtDriver.migration.rollback")(function* (name: string) {
      const current = yield* lifecycle.stateIfAny("migration.rollback", name)
      if (current === undefined) return yield* errors.notFound("migration.rollback", name)
      if (current.power === "running") return
      // paused (pause-first) resumes; shut off (libvirt ended the source after a completed migration) boots again
      yield* lifecycle.start(name)
    })

    const migration: Migration = {
      prepareIncoming,
      send,
      progress: Stream.fromPubSub(hub),
      cancel,
      finishIncoming,
      abortIncoming,
      release,
      rollback,
    }
    return migration
  })
