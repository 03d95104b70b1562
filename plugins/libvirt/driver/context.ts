import { Effect, type Option, Semaphore } from "effect"
import {
  DomainNotFound,
  DriverError,
  HypervisorFailure,
  InvalidRequest,
  Timeout,
  WrongPowerState,
} from "../../../core/driver/errors.ts"
import type { LibvirtClient } from "../virsh/client.ts"
import { type LibvirtError, toDriverError } from "../virsh/errors.ts"
import type { ResolvedOptions } from "./options.ts"
import type { QemuImg } from "./qemu-img.ts"

/**
 * Which domains the platform is working on right now, or was until a moment ago. libvirt reports every change,
 * also the ones we asked for and only after the call returned; those must not reach the event stream.
 */
export interface Quiet {
  readonly enter: (name: string) => void
  readonly leave: (name: string) => void
  /** True while an operation on `name` runs and for `quietAfterMs` after the last one ended. */
  readonly isQuiet: (name: string) => boolean
}

export const makeQuiet = (quietAfterMs: number): Quiet => {
  const active = new Map<string, number>()
  const until = new Map<string, number>()
  return {
    enter: (name) => active.set(name, (active.get(name) ?? 0) + 1),
    leave: (name) => {
      const left = (active.get(name) ?? 1) - 1
      if (left <= 0) active.delete(name)
      else active.set(name, left)
      until.set(name, Date.now() + quietAfterMs)
    },
    isQuiet: (name) => (active.get(name) ?? 0) > 0 || Date.now() < (until.get(name) ?? 0),
  }
}

/** Everything the driver's parts share: options, the libvirt client, error helpers and the per-domain lock. */
export interface DriverContext {
  readonly options: ResolvedOptions
  readonly client: LibvirtClient
  readonly qemuImg: QemuImg
  readonly quiet: Quiet
  /** The domains known to carry our title; `list` refreshes it, define and undefine keep it current. */
  readonly managed: Map<string, boolean>
  /** A libvirt call as part of `operation` on domain `name`, its failure as the contract's DriverError. */
  readonly call: <A>(
    operation: string,
    name: string,
    effect: Effect.Effect<A, LibvirtError>,
  ) => Effect.Effect<A, DriverError>
  /**
   * One platform operation at a time per domain (define, start, stop, hot-plug, snapshots, agent calls); while it
   * runs, and shortly after, libvirt's events for the domain are taken as its own.
   */
  readonly exclusive: (name: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /**
   * Runs `effect` under the domain's lock only if nobody holds it now (None otherwise), outside the quiet window:
   * for reads that must not wait behind an operation, nor hide the domain's events after them.
   */
  readonly ifFree: (name: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<Option.Option<A>, E, R>
  readonly errors: {
    readonly invalid: (operation: string, message: string) => Effect.Effect<never, DriverError>
    readonly wrongPower: (operation: string, name: string, power: string) => Effect.Effect<never, DriverError>
    readonly notFound: (operation: string, name: string) => Effect.Effect<never, DriverError>
    readonly timeout: (operation: string, afterMs: number) => Effect.Effect<never, DriverError>
    readonly failure: (operation: string, message: string, retryable: boolean) => Effect.Effect<never, DriverError>
  }
}

export const makeContext = (options: ResolvedOptions, client: LibvirtClient, qemuImg: QemuImg): DriverContext => {
  const quiet = makeQuiet(options.quietAfterMs)
  const locks = new Map<string, Semaphore.Semaphore>()
  const lockOf = (name: string) => {
    let lock = locks.get(name)
    if (lock === undefined) {
      lock = Semaphore.makeUnsafe(1)
      locks.set(name, lock)
    }
    return lock
  }
  const driver = options.name
  const failWith = (operation: string, reason: DriverError["reason"]) =>
    Effect.fail(new DriverError({ driver, operation, reason }))
  return {
    options,
    client,
    qemuImg,
    quiet,
    managed: new Map(),
    call: (operation, name, effect) => Effect.mapError(effect, toDriverError(driver, operation, name)),
    exclusive:
      (name) =>
      <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        lockOf(name).withPermits(1)(
          Effect.acquireUseRelease(
            Effect.sync(() => quiet.enter(name)),
            () => effect,
            () => Effect.sync(() => quiet.leave(name)),
          ),
        ),
    ifFree: (name) => lockOf(name).withPermitsIfAvailable(1),
    errors: {
      invalid: (operation, message) => failWith(operation, new InvalidRequest({ message })),
      wrongPower: (operation, name, power) => failWith(operation, new WrongPowerState({ name, power })),
      notFound: (operation, name) => failWith(operation, new DomainNotFound({ name })),
      timeout: (operation, afterMs) => failWith(operation, new Timeout({ operation, afterMs })),
      failure: (operation, message, retryable) => failWith(operation, new HypervisorFailure({ message, retryable })),
    },
  }
}
