import { rmSync } from "node:fs"
import { Deferred, Effect, Exit, Option, PubSub, Scope } from "effect"
import type { DriverEvent } from "../../../core/driver/driver.ts"
import type { DriverError } from "../../../core/driver/errors.ts"
import { describeExit, type ExitStatus, type HostCommands } from "../../host-commands/host-commands.ts"
import type { RuntimePaths } from "../argv/runtime.ts"
import { connectAgent, type QgaAgent } from "../qga/agent.ts"
import type { QgaError } from "../qga/errors.ts"
import { isDisconnectedEvent } from "../qmp/events.ts"
import { connectMonitor, type QmpMonitor } from "../qmp/monitor.ts"
import type { Errors } from "./errors.ts"
import type { Settings } from "./options.ts"
import { PowerEventTracker } from "./power-events.ts"
import { type CpuSample, isOurQemu } from "./process.ts"
import { qemuLogOf, qemuLogTail, runDirOf } from "./qemu-log.ts"

/**
 * One running QEMU as this driver instance sees it: the only QMP connection to it, a guest-agent connection made on
 * demand, and the watchers that notice its death. Its scope is a child of the driver's: closing either closes the
 * sockets and stops the watchers, and never touches the QEMU process.
 */
export interface Session {
  readonly name: string
  readonly pid: number
  readonly paths: RuntimePaths
  readonly tracker: PowerEventTracker
  /** Completes once QEMU is gone and the registry shows the domain stopped. */
  readonly gone: Deferred.Deferred<void>
  /** QEMU died or is dying (its socket closed or its pid vanished); `gone` follows within milliseconds. */
  readonly isGone: () => boolean
  /** True while the process runs; a process found dead before the watchers noticed starts the session's end now. */
  readonly checkAlive: Effect.Effect<boolean>
  /** The QMP monitor; connects again if the attach could not (another client held the socket, say). */
  readonly monitor: (operation: string) => Effect.Effect<QmpMonitor, DriverError>
  /** Runs `use` with a synchronised guest agent; a channel that failed is dropped and made again next time. */
  readonly withAgent: <A, E>(
    operation: string,
    use: (agent: QgaAgent) => Effect.Effect<A, E>,
  ) => Effect.Effect<A, E | DriverError>
  /**
   * The same for a read that must not keep the channel (a sample): the channel an operation keeps, if there is one,
   * else one made for this call and closed after it, so the agent's socket is free again between samples.
   */
  readonly withAgentBriefly: <A, E>(
    operation: string,
    use: (agent: QgaAgent) => Effect.Effect<A, E>,
  ) => Effect.Effect<A, E | DriverError>
  /** Forgets the guest-agent channel (the guest rebooted: its agent starts over). */
  readonly dropAgent: Effect.Effect<void>
  /** The last CPU sample `stats` took. */
  cpuSample: CpuSample | undefined
  /** `stats` asks the guest agent for NIC counters again only after this time (ms): its open port did not answer. */
  guestCountersAfter?: number
}

export interface SessionDeps {
  readonly settings: Settings
  readonly errors: Errors
  /** Starts QEMU without forking the agent (see HostCommands). */
  readonly commands: HostCommands
  readonly driverScope: Scope.Scope
  readonly publish: (event: DriverEvent) => void
  /** Called once QEMU is gone, before anyone waiting on `gone` resumes. */
  readonly onGone: (session: Session) => void
}

const SOCKET_KEYS = ["qmp", "qga", "serial", "vnc", "pidfile"] as const

/**
 * Watches a QEMU process (just launched, or found running at re-attach). `monitorTimeoutMs` bounds the first QMP
 * connection; `abandon`, if given, fails that wait early (a launch whose process already exited).
 */
export const openSession = Effect.fnUntraced(function* (
  deps: SessionDeps,
  target: {
    readonly name: string
    readonly pid: number
    readonly paths: RuntimePaths
    readonly monitorTimeoutMs: number
    readonly abandon?: Effect.Effect<never, DriverError>
    /** The launch's own view of the exit (a QEMU this agent started): its signal or status goes into the event. */
    readonly exited?: Deferred.Deferred<ExitStatus>
  },
): Effect.fn.Return<Session, DriverError> {
  const { settings, errors } = deps
  const { name, pid, paths } = target
  const scope = yield* Scope.fork(deps.driverScope)
  const tracker = new PowerEventTracker()
  const gone = Deferred.makeUnsafe<void>()
  let monitor: QmpMonitor | undefined
  let agent: { readonly agent: QgaAgent; readonly scope: Scope.Closeable } | undefined
  let exiting = false

  const alive = () => isOurQemu(pid, paths.pidfile)

  // Runs once, outside the session's scope (it closes that scope at the end).
  const finish = Effect.gen(function* () {
    // The socket closes a moment before the process is gone (or reaped): look closely at first, it is short.
    const since = Date.now()
    while (alive()) yield* Effect.sleep(Date.now() - since < 2_000 ? 5 : settings.processPollMs)
    deps.onGone(session)
    // The child's exit is reported a moment after /proc lets it go; a QEMU found at re-attach is not our child.
    const status =
      target.exited === undefined
        ? undefined
        : yield* Deferred.await(target.exited).pipe(Effect.timeoutOption(1_000), Effect.map(Option.getOrUndefined))
    const change = tracker.onExit(status === undefined ? undefined : describeExit(status))
    if (change) {
      // QEMU's own last words (an assertion, a heap check) go to the operator's log: they name host paths and
      // internals, and the event's detail becomes the reason the VM's owner reads for its stop.
      const log = qemuLogTail(qemuLogOf(runDirOf(paths.pidfile)))
      if (log !== undefined) yield* Effect.logWarning(`qemu driver: ${name} exited unasked; qemu.log ends: ${log}`)
      deps.publish({ name, ...change, at: new Date() })
    }
    // Nothing may listen where a console was once QEMU is gone; stale socket files just refuse, but are misleading.
    for (const key of SOCKET_KEYS) rmSync(paths[key], { force: true })
    yield* Deferred.succeed(gone, undefined)
    yield* Scope.close(scope, Exit.void)
  })
  const triggerExit = Effect.suspend(() => {
    if (exiting) return Effect.void
    exiting = true
    return Effect.asVoid(Effect.forkIn(finish, deps.driverScope))
  })

  const watchEvents = (connected: QmpMonitor) =>
    Effect.gen(function* () {
      const subscription = yield* connected.subscribe
      yield* Effect.forkIn(
        Effect.gen(function* () {
          for (;;) {
            const event = yield* PubSub.take(subscription)
            const change = tracker.onEvent(event, Date.now())
            if (change) deps.publish({ name, ...change, at: event.at })
            if (event._tag === "RESET") yield* dropAgent
            if (isDisconnectedEvent(event)) return yield* triggerExit
          }
        }),
        scope,
      )
    }).pipe(Scope.provide(scope))

  const connect = (timeoutMs: number) =>
    connectMonitor(paths.qmp, { connectTimeoutMs: timeoutMs, timeouts: settings.qmpTimeouts }).pipe(
      Scope.provide(scope),
      Effect.tap(watchEvents),
      Effect.tap((connected) => Effect.sync(() => (monitor = connected))),
    )

  const dropAgent = Effect.suspend(() => {
    const current = agent
    agent = undefined
    return current ? Scope.close(current.scope, Exit.void) : Effect.void
  })

  const agentOptions = { syncTimeoutMs: settings.agentSyncTimeoutMs, timeouts: settings.qgaTimeouts }

  const agentFor = (operation: string) =>
    Effect.gen(function* () {
      if (agent && (yield* agent.agent.isConnected)) return agent.agent
      yield* dropAgent
      const agentScope = yield* Scope.fork(scope)
      const connected = yield* connectAgent(paths.qga, agentOptions).pipe(
        Scope.provide(agentScope),
        // Failed or interrupted (a caller's deadline): the half-made channel's socket is closed either way.
        Effect.onError(() => Scope.close(agentScope, Exit.void)),
        Effect.mapError(errors.fromQga(operation)),
      )
      agent = { agent: connected, scope: agentScope }
      return connected
    })

  const session: Session = {
    name,
    pid,
    paths,
    tracker,
    gone,
    isGone: () => exiting,
    checkAlive: Effect.suspend(() => (alive() ? Effect.succeed(true) : Effect.as(triggerExit, false))),
    monitor: (operation) =>
      Effect.suspend(() => {
        if (monitor) return Effect.succeed(monitor)
        if (exiting) return Effect.fail(errors.wrongPower(operation, name, "stopped"))
        return connect(2_000).pipe(Effect.mapError(errors.fromQmp(operation)))
      }),
    withAgent: (operation, use) =>
      agentFor(operation).pipe(
        Effect.flatMap(use),
        Effect.tapError((error) => (isQgaChannelError(error) ? dropAgent : Effect.void)),
      ),
    withAgentBriefly: (operation, use) =>
      Effect.gen(function* () {
        if (agent && (yield* agent.agent.isConnected)) return yield* session.withAgent(operation, use)
        return yield* Effect.scoped(
          connectAgent(paths.qga, agentOptions).pipe(Effect.mapError(errors.fromQga(operation)), Effect.flatMap(use)),
        )
      }),
    dropAgent,
    cpuSample: undefined,
  }

  // The pid poll catches a QEMU whose QMP socket we never had; the socket closing catches the rest at once.
  yield* Effect.forkIn(
    Effect.sleep(settings.processPollMs).pipe(Effect.repeat({ while: alive }), Effect.andThen(triggerExit)),
    scope,
  )

  const first = connect(target.monitorTimeoutMs).pipe(Effect.mapError(errors.fromQmp("attach")))
  const connected = target.abandon ? Effect.raceFirst(first, target.abandon) : first
  const outcome = yield* Effect.exit(connected)
  if (Exit.isFailure(outcome)) {
    if (target.abandon) {
      // A launch that failed: its end is the start's failure, not an event.
      tracker.expectStop()
      yield* Scope.close(scope, Exit.void)
      return yield* Effect.failCause(outcome.cause)
    }
    yield* Effect.logWarning(`qemu driver: ${name} runs (pid ${pid}) but its QMP socket did not answer; will retry`)
  }
  return session
})

/** A guest-agent failure that leaves the channel unusable (as opposed to the agent refusing a command). */
const isQgaChannelError = (error: unknown): boolean => {
  const tagged = error as { readonly _tag?: string; readonly reason?: { readonly _tag?: string } }
  if (tagged._tag === "QgaError") return (tagged as QgaError).reason._tag !== "QgaCommandError"
  // Our own mapping of a channel failure: a timeout or a lost connection.
  return tagged._tag === "DriverError" && tagged.reason?._tag !== "InvalidRequest"
}

/** Waits for the session to end, at most `timeoutMs`; true if it did. */
export const awaitGone = (session: Session, timeoutMs: number): Effect.Effect<boolean> =>
  Deferred.await(session.gone).pipe(
    Effect.as(true),
    Effect.timeoutOrElse({ duration: timeoutMs, orElse: () => Effect.succeed(false) }),
  )
