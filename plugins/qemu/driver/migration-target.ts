import { rm, stat } from "node:fs/promises"
import { Effect, Stream } from "effect"
import type { IncomingEndpoint, IncomingOptions } from "../../../core/driver/driver.ts"
import type { DriverError } from "../../../core/driver/errors.ts"
import type { VmSpec } from "../../../core/driver/spec.ts"
import { diskNames } from "../argv/names.ts"
import { guestPing } from "../qga/commands/system.ts"
import {
  migrateIncoming,
  migrateSetCapabilities,
  nbdExportAdd,
  nbdServerStart,
  nbdServerStop,
  queryMigrate,
} from "../qmp/commands/migration.ts"
import { cont, queryStatus } from "../qmp/commands/status.ts"
import type { Domains } from "./domains.ts"
import { freePort } from "./free-port.ts"
import { killSession, launchDomain } from "./launch.ts"
import { snapshotDisks } from "./options.ts"
import type { SessionDeps } from "./session.ts"

/** How long the target waits for the guest to prove itself alive after the switch-over. */
const PROOF_TIMEOUT_MS = 30_000
const POLL_MS = 50

/** The target's half of a live migration: a QEMU waiting with `-incoming defer`, then the proof, or its removal. */
export const makeMigrationTarget = (
  domains: Domains,
  sessionDeps: SessionDeps,
  define: (spec: VmSpec) => Effect.Effect<void, DriverError>,
) => {
  const { errors } = domains
  /**
   * What the incoming guest did that a healthy moved guest never does (a reset, a panic, a shutdown), per domain,
   * from `migrate-incoming` on. A guest whose memory arrived damaged typically panics and, with panic=-1, reboots at
   * once: its serial output and agent then look alive, so the proof must also see that nothing like this happened.
   */
  const troubles = new Map<string, string>()

  const portOn = (operation: string, host: string) =>
    freePort(host).pipe(Effect.mapError((error) => errors.failure(operation, `no free port: ${error.message}`, true)))

  /** Kills the incoming QEMU (its NBD exports go with it) and forgets the domain; the disk files stay the caller's. */
  const removeIncoming = (name: string) =>
    Effect.gen(function* () {
      const domain = domains.find(name)
      if (!domain) return
      const session = yield* domains.live(domain)
      if (session) yield* killSession(session)
      troubles.delete(name)
      yield* domains.forget("migration.abortIncoming", name)
      yield* Effect.promise(() => rm(domains.settings.runtimeFor(name).runDir, { recursive: true, force: true }))
    })

  const prepareIncoming = Effect.fn("QemuDriver.migration.prepareIncoming")(function* (
    spec: VmSpec,
    options: IncomingOptions,
  ) {
    const operation = "migration.prepareIncoming"
    const existing = domains.find(spec.name)
    if (existing && (yield* domains.live(existing))) return yield* errors.wrongPower(operation, spec.name, "running")
    yield* define(spec)
    return yield* domains.exclusive(spec.name)(
      Effect.gen(function* () {
        const domain = yield* domains.get(operation, spec.name)
        // -S: the guest stays paused once its state is in, whatever the source's run state was, until finishIncoming
        // resumes it for the proof; a target left alone (its source's agent gone) never runs the guest on its own.
        yield* launchDomain(domains, sessionDeps, domain, ["-S", "-incoming", "defer"])
        const { session } = yield* domains.running(operation, spec.name)
        const monitor = yield* session.monitor(operation)
        const host = options.listenHost
        const port = yield* portOn(operation, host)
        let nbdPort: number | undefined
        // post-copy must be allowed on both sides before the stream starts; the source decides whether to use it.
        yield* migrateSetCapabilities(monitor, { events: true, "postcopy-ram": true }).pipe(
          Effect.mapError(errors.fromQmp(operation)),
        )
        if (options.storage === "local") {
          nbdPort = yield* portOn(operation, host)
          yield* nbdServerStart(monitor, host, nbdPort).pipe(Effect.mapError(errors.fromQmp(operation)))
          for (const disk of snapshotDisks(spec)) {
            yield* nbdExportAdd(monitor, diskNames(disk.id).node).pipe(Effect.mapError(errors.fromQmp(operation)))
          }
        }
        troubles.delete(spec.name)
        yield* Effect.forkIn(
          Stream.runForEach(monitor.events, (event) =>
            Effect.sync(() => {
              if (troubles.has(spec.name)) return
              if (event._tag === "RESET") troubles.set(spec.name, `the guest reset (${event.reason})`)
              if (event._tag === "GUEST_PANICKED") troubles.set(spec.name, "the guest panicked")
              if (event._tag === "SHUTDOWN" && event.reason !== "disconnected")
                troubles.set(spec.name, `the guest shut down (${event.reason})`)
            }),
          ),
          sessionDeps.driverScope,
        )
        yield* migrateIncoming(monitor, `tcp:${host}:${port}`).pipe(Effect.mapError(errors.fromQmp(operation)))
        const endpoint: IncomingEndpoint = nbdPort === undefined ? { host, port } : { host, port, nbdPort }
        return endpoint
      }).pipe(Effect.tapError(() => Effect.ignore(removeIncoming(spec.name)))),
    )
  })

  /** Polls until `ready` says yes, at most PROOF_TIMEOUT_MS; `what` names the wait in the error. */
  const awaitTrue = (operation: string, what: string, ready: Effect.Effect<boolean, DriverError>) =>
    Effect.gen(function* () {
      const deadline = Date.now() + PROOF_TIMEOUT_MS
      while (!(yield* ready)) {
        if (Date.now() > deadline)
          return yield* errors.failure(operation, `no ${what} within ${PROOF_TIMEOUT_MS} ms`, false)
        yield* Effect.sleep(POLL_MS)
      }
    })

  const serialBytes = (path: string) =>
    Effect.promise(() =>
      stat(path).then(
        (info) => info.size,
        () => 0,
      ),
    )

  const finishIncoming = Effect.fn("QemuDriver.migration.finishIncoming")(function* (name: string) {
    const operation = "migration.finishIncoming"
    yield* domains.exclusive(name)(
      Effect.gen(function* () {
        const { domain, session } = yield* domains.running(operation, name)
        const spec = domain.definition.spec
        const monitor = yield* session.monitor(operation)
        const qmp = errors.fromQmp(operation)
        const incomingIs = (wanted: ReadonlyArray<string>) =>
          queryMigrate(monitor).pipe(
            Effect.mapError(qmp),
            Effect.flatMap((info) =>
              info.status === "failed"
                ? Effect.fail(errors.failure(operation, `incoming migration failed: ${info.errorDesc ?? "?"}`, false))
                : Effect.succeed(wanted.includes(info.status ?? "none")),
            ),
          )
        // Post-copy needs the guest running here before its memory is all in: `cont` while the state still arrives
        // (QEMU's `inmigrate`) only lets the guest start at the switch-over (QEMU's autostart), never before.
        yield* awaitTrue(operation, "incoming migration", incomingIs(["completed", "postcopy-active"]))
        yield* cont(monitor).pipe(Effect.mapError(qmp))
        yield* awaitTrue(operation, "completed incoming migration", incomingIs(["completed"]))
        // Nothing writes the disks through NBD any more: the source finished its mirrors before `send` returned.
        yield* Effect.ignore(nbdServerStop(monitor))
        // Started with -S, the guest arrives paused (the `cont` above may have come after the switch-over).
        const arrived = yield* queryStatus(monitor).pipe(Effect.mapError(qmp))
        if (arrived.status === "paused") yield* cont(monitor).pipe(Effect.mapError(qmp))
        yield* awaitTrue(
          operation,
          "running guest",
          queryStatus(monitor).pipe(
            Effect.mapError(qmp),
            Effect.map((status) => status.running),
          ),
        )
        // The proof that the guest itself runs on: new serial output after the switch-over or an agent answer,
        // whichever comes first (a guest whose console is quiet, as a login prompt is, proves itself by its agent);
        // then nothing a broken guest does. A guest with neither has its running status only.
        const serialProof = Effect.gen(function* () {
          const before = yield* serialBytes(session.paths.serialLog)
          yield* awaitTrue(
            operation,
            "serial output from the guest",
            serialBytes(session.paths.serialLog).pipe(Effect.map((now) => now > before)),
          )
        })
        const agentProof = session
          .withAgent(operation, (agent) => guestPing(agent))
          .pipe(
            Effect.mapError((error) =>
              error._tag === "DriverError" ? error : errors.failure(operation, `guest agent: ${error.message}`, false),
            ),
            Effect.retry({ times: 3 }),
          )
        const proofs = [...(spec.serial ? [serialProof] : []), ...(spec.guestAgent ? [agentProof] : [])]
        if (proofs.length > 0) yield* Effect.raceAll(proofs)
        const trouble = troubles.get(name)
        if (trouble !== undefined) return yield* errors.failure(operation, `after the move ${trouble}`, false)
      }),
    )
  })

  const abortIncoming = Effect.fn("QemuDriver.migration.abortIncoming")(function* (name: string) {
    yield* domains.exclusive(name)(removeIncoming(name))
  })

  return { prepareIncoming, finishIncoming, abortIncoming }
}
