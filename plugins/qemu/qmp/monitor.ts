import { Deferred, Effect, PubSub, Schema, type Scope, Stream } from "effect"
import { QmpConnectFailed, QmpDisconnected, QmpError, QmpProtocolError, QmpTimeout } from "./errors.ts"
import { decodeEvent, disconnectedEvent, isDisconnectedEvent, type QmpEvent, type QmpEventOf } from "./events.ts"
import { type TimeoutSettings, timeoutFor } from "./timeouts.ts"
import { executeOnWire } from "./wire/execute.ts"
import { openJsonLineWire } from "./wire/json-line-wire.ts"
import { connectUnixSocket } from "./wire/unix-socket.ts"

const Greeting = Schema.Struct({
  version: Schema.Struct({
    qemu: Schema.Struct({ major: Schema.Number, minor: Schema.Number, micro: Schema.Number }),
    package: Schema.String,
  }),
  capabilities: Schema.Array(Schema.String),
})
export type QmpGreeting = typeof Greeting.Type

export interface CallOptions {
  /** Overrides the timeout table for this call. */
  readonly timeoutMs?: number
}

export interface MonitorOptions {
  /** How long to keep trying the socket and to wait for QEMU's greeting (default 5 s). */
  readonly connectTimeoutMs?: number
  readonly timeouts?: TimeoutSettings
}

export type QmpArguments = Readonly<Record<string, unknown>>

/** One QMP connection: commands, and the events QEMU sends on it. */
export interface QmpMonitor {
  readonly path: string
  readonly greeting: QmpGreeting
  /** Runs a command and returns QEMU's `return` value as is; the typed commands decode it. */
  readonly execute: (command: string, args?: QmpArguments, options?: CallOptions) => Effect.Effect<unknown, QmpError>
  /** The budget for a command, "job:<command>" or "event:<EVENT>", after this monitor's overrides. */
  readonly timeoutFor: (operation: string) => number
  /**
   * Every event from now on. When QEMU goes away the stream ends with a synthetic
   * SHUTDOWN {guest: false, reason: "disconnected"}; a stream opened after that yields only that event.
   * Closing the monitor's scope interrupts the streams instead.
   */
  readonly events: Stream.Stream<QmpEvent>
  /** A subscription for callers that must not miss an event caused by their next command. */
  readonly subscribe: Effect.Effect<PubSub.Subscription<QmpEvent>, never, Scope.Scope>
  /**
   * Runs `trigger` with a subscription already open, then waits for the first `tag` event `where` accepts.
   * Fails with QmpTimeout after `timeoutMs` (default: the "event:<tag>" entry), or QmpDisconnected.
   */
  readonly triggerAndAwait: <A, E, T extends QmpEvent["_tag"]>(
    trigger: Effect.Effect<A, E>,
    tag: T,
    where: (event: QmpEventOf<T>) => boolean,
    options?: CallOptions,
  ) => Effect.Effect<{ readonly result: A; readonly event: QmpEventOf<T> }, E | QmpError>
  readonly isConnected: Effect.Effect<boolean>
  /** Completes (with the reason) once the socket is gone, whoever closed it. */
  readonly awaitDisconnect: Effect.Effect<string>
}

const fail = (reason: QmpError["reason"]) => Effect.fail(new QmpError({ reason }))

/**
 * Connects to a QMP socket, reads the greeting and negotiates capabilities. Closing the scope closes the socket.
 * QEMU serves one QMP client per socket: a second client gets no greeting until the first leaves, which shows
 * here as a QmpConnectFailed after `connectTimeoutMs`.
 */
export const connectMonitor = Effect.fn("Qmp.connectMonitor")(function* (
  path: string,
  options: MonitorOptions = {},
): Effect.fn.Return<QmpMonitor, QmpError, Scope.Scope> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000
  const socket = yield* connectUnixSocket(path, { timeoutMs: connectTimeoutMs }).pipe(
    Effect.mapError((error) => new QmpError({ reason: new QmpConnectFailed({ path, detail: error.detail }) })),
  )
  const pubsub = yield* PubSub.unbounded<QmpEvent>()
  yield* Effect.addFinalizer(() => PubSub.shutdown(pubsub))
  const greeting = Deferred.makeUnsafe<unknown, string>()
  const disconnected = Deferred.makeUnsafe<string>()

  const wire = yield* openJsonLineWire(socket, {
    onMessage: (message) => {
      if ("QMP" in message) return void Deferred.doneUnsafe(greeting, Effect.succeed(message.QMP))
      const event = decodeEvent(message)
      if (event !== undefined) PubSub.publishUnsafe(pubsub, event)
    },
    onClose: (detail, byPeer) => {
      Deferred.doneUnsafe(greeting, Effect.fail(detail))
      Deferred.doneUnsafe(disconnected, Effect.succeed(detail))
      if (byPeer) PubSub.endUnsafe(pubsub, disconnectedEvent())
    },
  })

  const rawGreeting = yield* Deferred.await(greeting).pipe(
    Effect.mapError((detail) => new QmpError({ reason: new QmpConnectFailed({ path, detail }) })),
    Effect.timeoutOrElse({
      duration: connectTimeoutMs,
      orElse: () =>
        fail(
          new QmpConnectFailed({
            path,
            detail: `no QMP greeting within ${connectTimeoutMs} ms (is another client connected?)`,
          }),
        ),
    }),
  )
  const decodedGreeting = yield* Schema.decodeUnknownEffect(Greeting)(rawGreeting).pipe(
    Effect.mapError(
      (issue) => new QmpError({ reason: new QmpProtocolError({ detail: `greeting: ${issue.message}` }) }),
    ),
  )

  const timeouts = (operation: string) => timeoutFor(operation, options.timeouts)
  const execute = (command: string, args?: QmpArguments, callOptions: CallOptions = {}) =>
    executeOnWire(wire, command, args, callOptions.timeoutMs ?? timeouts(command))

  yield* execute("qmp_capabilities").pipe(
    Effect.catchReason("QmpError", "QmpCommandError", (reason) =>
      fail(new QmpProtocolError({ detail: `qmp_capabilities refused: ${reason.desc}` })),
    ),
  )

  const awaitTag = <T extends QmpEvent["_tag"]>(
    subscription: PubSub.Subscription<QmpEvent>,
    tag: T,
    where: (event: QmpEventOf<T>) => boolean,
  ): Effect.Effect<QmpEventOf<T>, QmpError> =>
    Effect.gen(function* () {
      for (;;) {
        const event = yield* PubSub.take(subscription)
        if (event._tag === tag && where(event as QmpEventOf<T>)) return event as QmpEventOf<T>
        if (isDisconnectedEvent(event)) {
          return yield* fail(new QmpDisconnected({ command: `await ${tag}`, detail: "monitor disconnected" }))
        }
      }
    })

  const triggerAndAwait = <A, E, T extends QmpEvent["_tag"]>(
    trigger: Effect.Effect<A, E>,
    tag: T,
    where: (event: QmpEventOf<T>) => boolean,
    callOptions: CallOptions = {},
  ) =>
    Effect.scoped(
      Effect.gen(function* () {
        const subscription = yield* PubSub.subscribe(pubsub)
        const result = yield* trigger
        const afterMs = callOptions.timeoutMs ?? timeouts(`event:${tag}`)
        const event = yield* awaitTag(subscription, tag, where).pipe(
          Effect.timeoutOrElse({
            duration: afterMs,
            orElse: () => fail(new QmpTimeout({ command: `await ${tag}`, afterMs })),
          }),
        )
        return { result, event }
      }),
    )

  return {
    path,
    greeting: decodedGreeting,
    execute,
    timeoutFor: timeouts,
    events: Stream.fromPubSub(pubsub).pipe(Stream.takeUntil(isDisconnectedEvent)),
    subscribe: PubSub.subscribe(pubsub),
    triggerAndAwait,
    isConnected: Effect.sync(() => wire.isOpen()),
    awaitDisconnect: Deferred.await(disconnected),
  } satisfies QmpMonitor
})
