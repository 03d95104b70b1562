import { mkdirSync, rmSync } from "node:fs"
import { Deferred, Effect } from "effect"
import type { DriverError } from "../../../core/driver/errors.ts"
import { describeExit } from "../../host-commands/host-commands.ts"
import { argvFor } from "../argv/build-argv.ts"
import { diskNames } from "../argv/names.ts"
import { runtimePaths } from "../argv/runtime.ts"
import { snapshotLoad } from "../qmp/commands/snapshots.ts"
import { cont } from "../qmp/commands/status.ts"
import type { Domain, Domains } from "./domains.ts"
import { snapshotDisks } from "./options.ts"
import { signalProcess } from "./process.ts"
import { qemuLogOf, qemuLogTail } from "./qemu-log.ts"
import { awaitGone, openSession, type Session, type SessionDeps } from "./session.ts"
import { reapStaleStorageDaemon } from "./storage-daemon.ts"

/** QEMU has up to this long to open its QMP socket; a QEMU that exits first fails the start at once. */
const MONITOR_TIMEOUT_MS = 30_000

/** Cuts a QEMU we are giving up on and waits for its session to end. */
export const killSession = (session: Session) =>
  Effect.gen(function* () {
    session.tracker.expectStop()
    signalProcess(session.pid, "SIGKILL")
    yield* awaitGone(session, 10_000)
  })

/**
 * Launches the domain's QEMU and watches it. The command line is exactly the argv builder's (plus -S when a memory
 * snapshot is to be resumed): nothing is probed or awaited before the spawn, so the guest boots as fast as a QEMU
 * started by hand; the QMP connection is made while it boots.
 */
export const launchDomain = Effect.fnUntraced(function* (
  domains: Domains,
  sessionDeps: SessionDeps,
  domain: Domain,
  /** Appended to the command line (`-incoming defer` for a migration's target). */
  extraArgs: ReadonlyArray<string> = [],
): Effect.fn.Return<void, DriverError> {
  const { settings, errors } = domains
  const { spec, resumeSnapshot } = domain.definition
  const runtime = settings.runtimeFor(spec.name)
  const argv = yield* argvFor(spec, runtime, settings.name)
  const paths = runtimePaths(runtime.runDir)
  const logPath = qemuLogOf(runtime.runDir)
  mkdirSync(runtime.runDir, { recursive: true, mode: 0o700 })
  yield* reapStaleStorageDaemon(runtime.runDir)
  // The console history starts with this run; stale sockets would only mislead a client.
  for (const stale of [paths.serialLog, paths.qmp, paths.qga, paths.serial, paths.vnc, paths.pidfile]) {
    rmSync(stale, { force: true })
  }
  // In its own session, its output in the log, not tied to the agent: the agent may exit or die and QEMU keeps running.
  const args = [...argv, ...(resumeSnapshot === null ? [] : ["-S"]), ...extraArgs]
  // ip netns exec execs QEMU in place: the pid the driver watches is QEMU's
  const launched = yield* (
    settings.netns === undefined
      ? sessionDeps.commands.launch(settings.qemuBinary, args, logPath)
      : sessionDeps.commands.launch("ip", ["netns", "exec", settings.netns, settings.qemuBinary, ...args], logPath)
  ).pipe(Effect.mapError((failure) => errors.failure("start", `cannot start QEMU: ${failure.message}`, false)))
  const abandon = Deferred.await(launched.exited).pipe(
    Effect.flatMap((status) =>
      Effect.fail(
        errors.failure(
          "start",
          `QEMU exited during start (${describeExit(status)}): ${qemuLogTail(logPath) ?? "no output"}`,
          false,
        ),
      ),
    ),
  )
  const session = yield* openSession(sessionDeps, {
    name: spec.name,
    pid: launched.pid,
    paths,
    monitorTimeoutMs: MONITOR_TIMEOUT_MS,
    abandon,
    exited: launched.exited,
  }).pipe(Effect.tapError(() => Effect.sync(() => signalProcess(launched.pid, "SIGKILL"))))
  domain.session = session
  if (resumeSnapshot !== null) yield* resume(domains, domain, session, resumeSnapshot)
})

/** Loads the memory snapshot a revert left for this start, then lets the guest run on from it. */
const resume = (domains: Domains, domain: Domain, session: Session, tag: string) =>
  Effect.gen(function* () {
    const nodes = snapshotDisks(domain.definition.spec).map((disk) => diskNames(disk.id).node)
    const monitor = yield* session.monitor("start")
    yield* snapshotLoad(monitor, { tag, vmstate: nodes[0] ?? "", devices: nodes }).pipe(
      Effect.andThen(cont(monitor)),
      Effect.mapError(domains.errors.fromQmp("start")),
    )
  }).pipe(
    // Either way the snapshot is used up: a failed load must not make every later start fail too.
    Effect.ensuring(Effect.ignore(domains.save("start", { ...domain.definition, resumeSnapshot: null }))),
    Effect.tapError(() => killSession(session)),
  )
