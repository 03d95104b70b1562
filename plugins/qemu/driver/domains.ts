import { Effect, type Option, Semaphore } from "effect"
import type { DriverError } from "../../../core/driver/errors.ts"
import type { VmSpec } from "../../../core/driver/spec.ts"
import { runtimePaths } from "../argv/runtime.ts"
import type { Definition, DefinitionStore } from "./definitions.ts"
import type { Errors } from "./errors.ts"
import type { Settings } from "./options.ts"
import { awaitGone, type Session } from "./session.ts"

/** A defined domain: its persisted definition and, while its QEMU runs, the session watching it. */
export interface Domain {
  definition: Definition
  session: Session | undefined
}

/**
 * The driver's table of domains. Reads (inspect, list, stats, consoles) look at it directly; every operation that
 * changes a domain runs under that domain's lock, one at a time, as Incus's per-instance operation lock.
 */
export interface Domains {
  readonly settings: Settings
  readonly errors: Errors
  readonly find: (name: string) => Domain | undefined
  readonly all: () => ReadonlyArray<Domain>
  readonly get: (operation: string, name: string) => Effect.Effect<Domain, DriverError>
  /** The session of a running domain; a dying one is waited for (a few milliseconds) and counts as stopped. */
  readonly live: (domain: Domain) => Effect.Effect<Session | undefined>
  /** The domain and its live session; a stopped domain fails with WrongPowerState. */
  readonly running: (
    operation: string,
    name: string,
  ) => Effect.Effect<{ domain: Domain; session: Session }, DriverError>
  /** Persists a new definition and makes it the domain's (adding the domain if it is new). */
  readonly save: (operation: string, definition: Definition) => Effect.Effect<Domain, DriverError>
  readonly forget: (operation: string, name: string) => Effect.Effect<void, DriverError>
  /** Persists a changed spec (a disk or NIC plugged, a disc swapped) as the domain's. */
  readonly updateSpec: (operation: string, domain: Domain, spec: VmSpec) => Effect.Effect<void, DriverError>
  readonly exclusive: (name: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Runs `effect` under the domain's lock only if nobody holds it now (None otherwise): for reads that must not wait. */
  readonly ifFree: (name: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<Option.Option<A>, E, R>
  readonly pathsOf: (name: string) => ReturnType<typeof runtimePaths>
}

export const makeDomains = (
  settings: Settings,
  errors: Errors,
  store: DefinitionStore,
  loaded: ReadonlyArray<Definition>,
): Domains => {
  const table = new Map<string, Domain>(
    loaded.map((definition) => [definition.spec.name, { definition, session: undefined }]),
  )
  // Locks outlive their domain (an undefine must not free a lock others wait on); names are few.
  const locks = new Map<string, Semaphore.Semaphore>()
  const lockOf = (name: string) => {
    let lock = locks.get(name)
    if (!lock) {
      lock = Semaphore.makeUnsafe(1)
      locks.set(name, lock)
    }
    return lock
  }

  const get = (operation: string, name: string) =>
    Effect.suspend(() => {
      const domain = table.get(name)
      return domain ? Effect.succeed(domain) : Effect.fail(errors.notFound(operation, name))
    })

  // The watchers notice a death within a poll; an operation must not act on a QEMU that died just before it.
  const live = (domain: Domain): Effect.Effect<Session | undefined> =>
    Effect.gen(function* () {
      const session = domain.session
      if (!session) return undefined
      if (!session.isGone() && (yield* session.checkAlive)) return session
      yield* awaitGone(session, 10_000)
      return undefined
    })

  return {
    settings,
    errors,
    find: (name) => table.get(name),
    all: () => [...table.values()].sort((a, b) => a.definition.spec.name.localeCompare(b.definition.spec.name)),
    get,
    live,
    running: (operation, name) =>
      Effect.gen(function* () {
        const domain = yield* get(operation, name)
        const session = yield* live(domain)
        if (!session) return yield* errors.wrongPower(operation, name, "stopped")
        return { domain, session }
      }),
    save: (operation, definition) =>
      store.save(operation, definition).pipe(
        Effect.map(() => {
          const existing = table.get(definition.spec.name)
          if (existing) {
            existing.definition = definition
            return existing
          }
          const domain: Domain = { definition, session: undefined }
          table.set(definition.spec.name, domain)
          return domain
        }),
      ),
    forget: (operation, name) =>
      store.remove(operation, name).pipe(Effect.tap(() => Effect.sync(() => table.delete(name)))),
    updateSpec: (operation, domain, spec) =>
      store.save(operation, { ...domain.definition, spec }).pipe(
        Effect.tap(() =>
          Effect.sync(() => {
            domain.definition = { ...domain.definition, spec }
          }),
        ),
      ),
    exclusive: (name) => lockOf(name).withPermits(1),
    ifFree: (name) => lockOf(name).withPermitsIfAvailable(1),
    pathsOf: (name) => runtimePaths(settings.runtimeFor(name).runDir),
  }
}
