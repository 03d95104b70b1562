import { rm } from "node:fs/promises"
import { Effect } from "effect"
import { diskSyncTimeoutOf, disksDidNotConverge } from "../../../core/driver/disk-sync.ts"
import type {
  IncomingEndpoint,
  MigrationMode,
  MigrationProgress,
  MigrationResult,
  SendOptions,
} from "../../../core/driver/driver.ts"
import type { DriverError } from "../../../core/driver/errors.ts"
import { diskNames } from "../argv/names.ts"
import {
  type MigrationInfo,
  migrate,
  migrateCancel,
  migrateContinue,
  migrateSetCapabilities,
  migrateSetParameters,
  migrateStartPostcopy,
  queryMigrate,
} from "../qmp/commands/migration.ts"
import { cont, queryStatus, quit, stop } from "../qmp/commands/status.ts"
import type { QmpMonitor } from "../qmp/monitor.ts"
import type { Domains } from "./domains.ts"
import { type MigrationMirrors, makeMigrationMirrors } from "./migration-mirrors.ts"
import { wakeOnEvents } from "./migration-wakeup.ts"
import { snapshotDisks } from "./options.ts"
import { awaitGone } from "./session.ts"

/** Progress samples, and the fallback for a missed MIGRATION or block job event. */
const POLL_MS = 50
/** Loopback or a migration network: QEMU's default cap (128 MiB/s) would make the copy, not the guest, the limit. */
const MAX_BANDWIDTH = 8 * 1024 * 1024 * 1024
/**
 * Post-copy takes over once pre-copy has made this many passes over memory without converging. The first pass
 * copies everything; a second one means the guest dirties memory faster than the downtime limit allows.
 */
const POSTCOPY_AFTER_PASSES = 2
const DEFAULT_DOWNTIME_MS = 20

/**
 * Under TCG, QEMU 7.2 loses track of guest writes during pre-copy: on this machine a busy guest arrived broken in 4–5
 * of 10 pre-copy runs, and also after a post-copy switch that followed one pre-copy pass (the guest panicked and
 * rebooted on the target); any page sent while the guest runs may be stale. Copying while the guest is stopped
 * needs no dirty tracking at all, so converging under TCG means pause-first. KVM tracks dirty pages in the kernel.
 */
const effectiveMode = (mode: MigrationMode, accel: string): MigrationMode =>
  mode === "converge" && accel === "tcg" ? "pause-first" : mode

interface Running {
  readonly monitor: QmpMonitor
  /** The disk mirrors of a local-storage send, once made. */
  mirrors: MigrationMirrors | undefined
  cancelled: boolean
}

const ended = new Set(["completed", "failed", "cancelled"])

/** The source's half of a live migration: disks first (local storage), then memory, then release or rollback. */
export const makeMigrationSource = (domains: Domains, publish: (progress: MigrationProgress) => void) => {
  const { errors } = domains
  const running = new Map<string, Running>()
  // Domains whose memory post-copy handed to the target: the source's copy is stale, it must never resume.
  const handedOver = new Set<string>()

  const sample = (name: string, phase: MigrationProgress["phase"], info: MigrationInfo | undefined) =>
    publish({
      name,
      phase,
      transferredBytes: info?.ram?.transferred ?? 0,
      remainingBytes: info?.ram?.remaining ?? 0,
      dirtyPagesRate: info?.ram?.dirtyPagesRate ?? 0,
      expectedDowntimeMs: info?.expectedDowntime ?? 0,
      at: new Date(),
    })

  /**
   * Mirrors every writable disk into the target's NBD exports and waits until all are in sync, at most `timeoutMs`:
   * then the send fails (its failure path cancels the mirrors and the guest runs on here).
   */
  const mirrorDisks = (
    name: string,
    state: Running,
    mirrors: MigrationMirrors,
    endpoint: IncomingEndpoint,
    nodes: ReadonlyArray<string>,
    timeoutMs: number,
  ) =>
    Effect.gen(function* () {
      const operation = "migration.send"
      const { nbdPort } = endpoint
      if (nbdPort === undefined) return yield* errors.invalid(operation, "local storage needs the target's NBD port")
      state.mirrors = mirrors
      const deadline = Date.now() + timeoutMs
      yield* mirrors.start({ ...endpoint, nbdPort }, nodes, domains.settings.migrationDiskBytesPerSecond)
      for (;;) {
        if (state.cancelled) return yield* errors.failure(operation, "cancelled while copying the disks", false)
        const { len, offset, ready } = yield* mirrors.sample
        publish({
          name,
          phase: "disks",
          transferredBytes: offset,
          remainingBytes: len - offset,
          dirtyPagesRate: 0,
          expectedDowntimeMs: 0,
          at: new Date(),
        })
        if (ready) return
        const left = deadline - Date.now()
        if (left <= 0)
          return yield* errors.failure(
            operation,
            disksDidNotConverge(timeoutMs, "the guest writes faster than the copy"),
            false,
          )
        yield* mirrors.changed(Math.min(POLL_MS, left))
      }
    })

  const send = Effect.fn("QemuDriver.migration.send")(function* (
    name: string,
    endpoint: IncomingEndpoint,
    options: SendOptions,
  ) {
    const operation = "migration.send"
    const qmp = errors.fromQmp(operation)
    // a background mirror of a guest that writes faster than the copy never gets ready: the deadline ends the send
    const deadline = diskSyncTimeoutOf(options)
    if ("invalid" in deadline) return yield* errors.invalid(operation, deadline.invalid)
    const diskSyncTimeoutMs = deadline.ms
    return yield* domains.exclusive(name)(
      Effect.gen(function* () {
        const { domain, session } = yield* domains.running(operation, name)
        const monitor = yield* session.monitor(operation)
        const status = yield* queryStatus(monitor).pipe(Effect.mapError(qmp))
        if (!status.running) return yield* errors.wrongPower(operation, name, status.status)
        const mode = effectiveMode(options.mode ?? "converge", domains.settings.accel)
        const state: Running = { monitor, mirrors: undefined, cancelled: false }
        running.set(name, state)
        handedOver.delete(name)
        let postCopy = false
        const started = Date.now()

        const work = Effect.gen(function* () {
          const local = options.storage === "local"
          yield* migrateSetCapabilities(monitor, {
            events: true,
            "postcopy-ram": mode === "converge",
            "auto-converge": mode !== "pause-first",
            // The mirrors end in pre-switchover: vCPUs stopped, block devices still active (libvirt does the same).
            "pause-before-switchover": local,
          }).pipe(Effect.mapError(qmp))
          yield* migrateSetParameters(monitor, {
            downtimeLimitMs: options.downtimeLimitMs ?? DEFAULT_DOWNTIME_MS,
            maxBandwidth: MAX_BANDWIDTH,
          }).pipe(Effect.mapError(qmp))
          if (local) {
            const nodes = snapshotDisks(domain.definition.spec).map((disk) => diskNames(disk.id).node)
            const mirrors = yield* makeMigrationMirrors(monitor, errors, operation)
            yield* mirrorDisks(name, state, mirrors, endpoint, nodes, diskSyncTimeoutMs)
          }
          if (state.cancelled) return yield* errors.failure(operation, "cancelled", false)
          // Subscribed before `migrate`: no status change is missed (QEMU sends them with the `events` capability).
          const statusChanged = yield* wakeOnEvents(monitor, (event) => event._tag === "MIGRATION")
          const stoppedAt = Date.now()
          if (mode === "pause-first") yield* stop(monitor).pipe(Effect.mapError(qmp))
          yield* migrate(monitor, `tcp:${endpoint.host}:${endpoint.port}`).pipe(Effect.mapError(qmp))
          let info: MigrationInfo
          let continued = false
          for (;;) {
            info = yield* queryMigrate(monitor).pipe(Effect.mapError(qmp))
            const now = info.status ?? "none"
            if (ended.has(now)) break
            // QEMU reports pre-switchover until its migration thread wakes up after `migrate-continue`: act once.
            if (now === "pre-switchover" && !continued) {
              // The vCPUs are stopped and the block devices still active (QEMU inactivates them right after this
              // pause): the mirrors' last writes reach the target now, or the send fails and the guest stays here.
              if (state.cancelled) return yield* errors.failure(operation, "cancelled", false)
              // Post-copy asked for waits here too: a failure now still leaves the memory on this side.
              if (state.mirrors)
                yield* state.mirrors.complete.pipe(Effect.tapError(() => Effect.sync(() => handedOver.delete(name))))
              yield* migrateContinue(monitor, "pre-switchover").pipe(Effect.mapError(qmp))
              continued = true
              continue
            }
            sample(name, now === "postcopy-active" ? "post-copy" : "memory", info)
            if (
              mode === "converge" &&
              !postCopy &&
              !state.cancelled &&
              now === "active" &&
              (info.ram?.dirtySyncCount ?? 0) >= POSTCOPY_AFTER_PASSES
            ) {
              yield* migrateStartPostcopy(monitor).pipe(Effect.mapError(qmp))
              postCopy = true
              handedOver.add(name)
            }
            yield* statusChanged.next(POLL_MS)
          }
          if (info.status !== "completed") {
            sample(name, info.status === "cancelled" ? "cancelled" : "failed", info)
            const why = state.cancelled ? "cancelled" : `QEMU says ${info.status}: ${info.errorDesc ?? "no detail"}`
            return yield* errors.failure(operation, `migration of ${name} failed (${why})`, false)
          }
          sample(name, "completed", info)
          const result: MigrationResult = {
            // QEMU counts its downtime from its own final stop; a pause-first guest was stopped since our `stop`.
            downtimeMs: mode === "pause-first" ? Date.now() - stoppedAt : (info.downtime ?? 0),
            totalMs: Date.now() - started,
            transferredBytes: info.ram?.transferred ?? 0,
            path: postCopy ? "post-copy" : mode === "pause-first" ? "pause-first" : "precopy",
          }
          return result
        })

        return yield* work.pipe(
          Effect.tapError((failure) =>
            Effect.gen(function* () {
              const now = yield* Effect.option(queryMigrate(monitor))
              if (now._tag === "Some" && !ended.has(now.value.status ?? "none"))
                yield* Effect.ignore(migrateCancel(monitor))
              // Every job gone before its client node goes, and every node gone before the target can die.
              if (state.mirrors?.active())
                yield* state.mirrors.abandon.pipe(
                  Effect.catch((left) =>
                    Effect.logWarning(`qemu driver: ${name}: after "${failure.message}": ${left.message}`),
                  ),
                )
              // The guest keeps running here, unless post-copy already gave its memory away.
              if (!handedOver.has(name)) yield* Effect.ignore(resumeHere(monitor))
            }),
          ),
          Effect.ensuring(Effect.sync(() => running.delete(name))),
          // The mirrors' event watcher lives until the failure path above is done with them.
          Effect.scoped,
        )
      }),
    )
  })

  /** Resumes the vCPUs unless they run; QEMU waits for a migration that is cancelling to end first. */
  const resumeHere = (monitor: QmpMonitor) =>
    Effect.gen(function* () {
      const deadline = Date.now() + 30_000
      while (Date.now() < deadline) {
        const info = yield* queryMigrate(monitor)
        if (info.status === undefined || ended.has(info.status) || info.status === "none") break
        yield* Effect.sleep(POLL_MS)
      }
      const status = yield* queryStatus(monitor)
      if (!status.running) yield* cont(monitor)
    })

  const cancel = Effect.fn("QemuDriver.migration.cancel")(function* (name: string) {
    const state = running.get(name)
    if (!state) return
    state.cancelled = true
    yield* Effect.ignore(migrateCancel(state.monitor))
    if (state.mirrors) yield* state.mirrors.interrupt
  })

  const release = Effect.fn("QemuDriver.migration.release")(function* (name: string) {
    const operation = "migration.release"
    yield* domains.exclusive(name)(
      Effect.gen(function* () {
        const domain = yield* domains.get(operation, name)
        const session = yield* domains.live(domain)
        if (session) {
          const monitor = yield* session.monitor(operation)
          const status = yield* queryStatus(monitor).pipe(Effect.mapError(errors.fromQmp(operation)))
          // Only a source whose state went to the target may end: anything else would lose the guest.
          if (status.status !== "postmigrate") {
            return yield* errors.invalid(operation, `${name} is ${status.status} here: it has not migrated`)
          }
          session.tracker.expectStop()
          yield* Effect.ignore(quit(monitor))
          if (!(yield* awaitGone(session, 10_000))) {
            return yield* errors.failure(operation, `the source QEMU of ${name} does not exit`, true)
          }
        }
        handedOver.delete(name)
        yield* domains.forget(operation, name)
        yield* Effect.promise(() => rm(domains.settings.runtimeFor(name).runDir, { recursive: true, force: true }))
      }),
    )
  })

  const rollback = Effect.fn("QemuDriver.migration.rollback")(function* (name: string) {
    const operation = "migration.rollback"
    yield* domains.exclusive(name)(
      Effect.gen(function* () {
        const { session } = yield* domains.running(operation, name)
        if (handedOver.has(name)) {
          return yield* errors.failure(
            operation,
            `post-copy moved ${name}'s memory to the target: the source cannot take the guest back`,
            false,
          )
        }
        const monitor = yield* session.monitor(operation)
        yield* resumeHere(monitor).pipe(Effect.mapError(errors.fromQmp(operation)))
      }),
    )
  })

  return { send, cancel, release, rollback } satisfies Record<
    string,
    (...args: never) => Effect.Effect<unknown, DriverError>
  >
}
