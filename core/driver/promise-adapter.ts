/**
 * Drivers written without Effect (#21): a driver as plain async functions (`PromiseDriver`) becomes the Driver
 * contract (`fromPromiseDriver`). Each call runs its function; what it throws becomes the contract's DriverError
 * (a `PromiseDriverError` says which reason, anything else is a hypervisor failure); `events` takes a callback; `close`
 * runs when the agent's scope closes. Live migration stays Effect-only (it streams progress).
 */
import { Effect, PubSub, Stream } from "effect"
import type { Capability } from "./capabilities.ts"
import type { Driver, DriverEvent, DriverFactory, DriverGroup } from "./driver.ts"
import {
  DomainNotFound,
  DriverError,
  HypervisorFailure,
  InvalidRequest,
  Timeout,
  Unsupported,
  WrongPowerState,
} from "./errors.ts"

/** A contract method, with a Promise where the contract has an Effect. */
type Async<F> = F extends (...args: infer A) => Effect.Effect<infer R, infer _E, infer _C>
  ? (...args: A) => Promise<R>
  : never
/** A group of contract methods (volumes, disks, snapshots, …), each with a Promise. */
type AsyncGroup<G> = { readonly [K in keyof G]: Async<G[K]> }

type CoreMethod = "define" | "undefine" | "start" | "shutdown" | "reboot" | "inspect" | "list"
/** The optional groups a Promise driver may offer: all but live migration. */
export type PromiseDriverGroup = Exclude<DriverGroup, "migration" | "stats">

/** A driver as async functions: the Driver contract's methods, each returning a Promise. */
export type PromiseDriver = {
  readonly name: string
  readonly version: string
  /** What it declares; an optional group must be there exactly when its capability is declared. */
  readonly capabilities: ReadonlyArray<Capability>
  readonly volumes: AsyncGroup<Driver["volumes"]>
  /**
   * Changes the platform did not cause (the guest powered off, the process died): call `emit` for each, for every
   * domain of this instance, from when this is called on. Return a function that stops watching (called on close).
   */
  readonly events?: (emit: (event: DriverEvent) => void) => (() => void) | undefined
  readonly stats?: Async<NonNullable<Driver["stats"]>>
  /** Closes connections and watchers when the agent's scope closes; must never stop a VM. */
  readonly close?: () => Promise<void>
} & { readonly [K in CoreMethod]: Async<Driver[K]> } & {
  readonly [G in PromiseDriverGroup]?: AsyncGroup<NonNullable<Driver[G]>>
}

/** Why a Promise driver's call failed, as the contract's DriverError reasons say it. */
export type PromiseDriverErrorKind =
  | "not-found"
  | "invalid-request"
  | "unsupported"
  | "timeout"
  | "wrong-power-state"
  | "failure"

/**
 * What a Promise driver throws to give the platform the reason (any other error is a non-retryable hypervisor
 * failure): `new PromiseDriverError("not-found", "no domain vm-1", { name: "vm-1" })`.
 */
export class PromiseDriverError extends Error {
  override readonly name = "PromiseDriverError"
  constructor(
    readonly kind: PromiseDriverErrorKind,
    message: string,
    readonly details: {
      /** The domain (not-found, wrong-power-state). */
      readonly name?: string
      /** Its power (wrong-power-state). */
      readonly power?: string
      /** The capability missing (unsupported). */
      readonly capability?: string
      /** How long it waited (timeout). */
      readonly afterMs?: number
      /** Whether trying again may help (failure); default false. */
      readonly retryable?: boolean
    } = {},
  ) {
    super(message)
  }
}

const reasonOf = (operation: string, error: unknown) => {
  if (!(error instanceof PromiseDriverError)) {
    return new HypervisorFailure({
      message: error instanceof Error ? error.message : String(error),
      retryable: false,
    })
  }
  const { details } = error
  switch (error.kind) {
    case "not-found":
      return new DomainNotFound({ name: details.name ?? "" })
    case "invalid-request":
      return new InvalidRequest({ message: error.message })
    case "unsupported":
      return new Unsupported({ capability: details.capability ?? operation })
    case "timeout":
      return new Timeout({ operation, afterMs: details.afterMs ?? 0 })
    case "wrong-power-state":
      return new WrongPowerState({ name: details.name ?? "", power: details.power ?? "unknown" })
    case "failure":
      return new HypervisorFailure({ message: error.message, retryable: details.retryable ?? false })
  }
}

/** The contract's DriverError for what a Promise driver's `operation` threw. */
export const driverErrorOf = (driver: string, operation: string, error: unknown) =>
  new DriverError({ driver, operation, reason: reasonOf(operation, error) })

// biome-ignore lint/suspicious/noExplicitAny: one wrapper for methods of every signature; the types come from Async
type AnyAsync = (...args: ReadonlyArray<any>) => Promise<unknown>

const lift =
  (driver: string, operation: string, call: AnyAsync) =>
  (...args: ReadonlyArray<unknown>) =>
    Effect.tryPromise({ try: () => call(...args), catch: (error) => driverErrorOf(driver, operation, error) })

const liftGroup = (driver: string, group: string, methods: Readonly<Record<string, AnyAsync>>) =>
  Object.fromEntries(
    Object.entries(methods).map(([key, call]) => [key, lift(driver, `${group}.${key}`, call.bind(methods))]),
  )

const coreMethods: ReadonlyArray<CoreMethod> = ["define", "undefine", "start", "shutdown", "reboot", "inspect", "list"]
const groups: ReadonlyArray<PromiseDriverGroup> = [
  "disks",
  "nics",
  "media",
  "snapshots",
  "backups",
  "quiesce",
  "console",
  "guestAgent",
]

/**
 * The Driver contract over a Promise driver: `make` runs once per driver instance (connect there); the instance's
 * scope calls its `events` unsubscribe and `close` when it closes.
 */
export const fromPromiseDriver = (make: () => PromiseDriver | Promise<PromiseDriver>): DriverFactory =>
  Effect.gen(function* () {
    const impl = yield* Effect.tryPromise({
      try: async () => make(),
      catch: (error) => driverErrorOf("promise-driver", "connect", error),
    })
    const name = impl.name
    const hub = yield* PubSub.unbounded<DriverEvent>()
    const unsubscribe = impl.events?.((event) => void PubSub.publishUnsafe(hub, event))
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        unsubscribe?.()
        await impl.close?.()
      }).pipe(
        Effect.ignore,
        Effect.andThen(() => PubSub.shutdown(hub)),
      ),
    )
    const methods = Object.fromEntries(
      coreMethods.map((method) => [method, lift(name, method, (impl[method] as AnyAsync).bind(impl))]),
    )
    const offered = Object.fromEntries(
      groups.flatMap((group) => {
        const methodsOf = impl[group] as Readonly<Record<string, AnyAsync>> | undefined
        return methodsOf === undefined ? [] : [[group, liftGroup(name, group, methodsOf)]]
      }),
    )
    const driver = {
      name,
      version: impl.version,
      capabilities: new Set(impl.capabilities),
      events: Stream.fromPubSub(hub),
      volumes: liftGroup(name, "volumes", impl.volumes as unknown as Readonly<Record<string, AnyAsync>>),
      ...methods,
      ...offered,
      ...(impl.stats === undefined ? {} : { stats: lift(name, "stats", impl.stats.bind(impl) as AnyAsync) }),
    } as unknown as Driver
    return driver
  })
