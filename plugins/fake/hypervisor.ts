import { Clock, Effect, Semaphore } from "effect"
import {
  DomainNotFound,
  DriverError,
  type DriverErrorReason,
  InvalidRequest,
  WrongPowerState,
} from "../../core/driver/errors.ts"
import { loadState, saveState } from "./persistence.ts"
import type { DomainRecord, VolumeRecord } from "./state.ts"

/** A pure change to one domain; returning a DriverError refuses it and changes nothing. */
export type Change = (record: DomainRecord) => DomainRecord | DriverError

/**
 * The fake hypervisor's domain table, shared by the driver's groups and by `simulate`. Every change is one
 * synchronous step (check, replace, persist), so concurrent fibers never see or write a half-made change.
 */
export interface Hypervisor {
  readonly driver: string
  readonly bootDelayMs: number
  readonly shutdownDelayMs: number
  readonly now: Effect.Effect<number>
  readonly error: (operation: string, reason: DriverErrorReason) => DriverError
  readonly invalid: (operation: string, message: string) => DriverError
  readonly wrongPower: (operation: string, record: DomainRecord) => DriverError
  readonly find: (name: string) => DomainRecord | undefined
  readonly get: (operation: string, name: string) => Effect.Effect<DomainRecord, DriverError>
  readonly all: () => ReadonlyArray<DomainRecord>
  readonly put: (operation: string, record: DomainRecord) => Effect.Effect<void, DriverError>
  readonly remove: (operation: string, name: string) => Effect.Effect<void, DriverError>
  readonly update: (operation: string, name: string, change: Change) => Effect.Effect<DomainRecord, DriverError>
  /** One driver call at a time per domain, as a hypervisor's per-domain job lock; reads do not take it. */
  readonly findVolume: (path: string) => VolumeRecord | undefined
  readonly putVolume: (operation: string, volume: VolumeRecord) => Effect.Effect<void, DriverError>
  readonly removeVolume: (operation: string, path: string) => Effect.Effect<void, DriverError>
  readonly allVolumes: () => ReadonlyArray<VolumeRecord>
  readonly exclusive: (name: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

export interface HypervisorOptions {
  readonly driver: string
  readonly stateFile: string | undefined
  readonly bootDelayMs: number
  readonly shutdownDelayMs: number
  /** Told after every change of a domain, with its new record (undefined once it is forgotten). */
  readonly onChange?: ((name: string, record: DomainRecord | undefined) => void) | undefined
}

export const makeHypervisor = (options: HypervisorOptions): Effect.Effect<Hypervisor, DriverError> =>
  Effect.gen(function* () {
    const { driver, stateFile } = options
    const loaded = stateFile ? yield* loadState(driver, stateFile) : { domains: [], volumes: [] }
    const domains = new Map(loaded.domains.map((record) => [record.spec.name, record] as const))
    const volumes = new Map(loaded.volumes.map((volume) => [volume.path, volume] as const))
    const locks = new Map<string, Semaphore.Semaphore>()

    const changed = (name: string, record: DomainRecord | undefined) => options.onChange?.(name, record)
    const error = (operation: string, reason: DriverErrorReason) => new DriverError({ driver, operation, reason })
    const all = () => [...domains.values()].sort((a, b) => a.spec.name.localeCompare(b.spec.name))
    const allVolumes = () => [...volumes.values()].sort((a, b) => a.path.localeCompare(b.path))
    const persist = (operation: string) =>
      stateFile
        ? saveState(driver, operation, stateFile, { format: "hyperx-fake/1", domains: all(), volumes: allVolumes() })
        : Effect.void

    const hypervisor: Hypervisor = {
      driver,
      bootDelayMs: options.bootDelayMs,
      shutdownDelayMs: options.shutdownDelayMs,
      now: Clock.currentTimeMillis,
      error,
      invalid: (operation, message) => error(operation, new InvalidRequest({ message })),
      wrongPower: (operation, record) =>
        error(operation, new WrongPowerState({ name: record.spec.name, power: record.power })),
      find: (name) => domains.get(name),
      get: (operation, name) =>
        Effect.suspend(() => {
          const record = domains.get(name)
          return record ? Effect.succeed(record) : Effect.fail(error(operation, new DomainNotFound({ name })))
        }),
      all,
      put: (operation, record) =>
        Effect.suspend(() => {
          domains.set(record.spec.name, record)
          changed(record.spec.name, record)
          return persist(operation)
        }),
      remove: (operation, name) =>
        Effect.suspend(() => {
          if (!domains.delete(name)) return Effect.void
          changed(name, undefined)
          return persist(operation)
        }),
      update: (operation, name, change) =>
        Effect.suspend(() => {
          const current = domains.get(name)
          if (!current) return Effect.fail(error(operation, new DomainNotFound({ name })))
          const next = change(current)
          if (next instanceof DriverError) return Effect.fail(next)
          domains.set(name, next)
          changed(name, next)
          return persist(operation).pipe(Effect.as(next))
        }),
      findVolume: (path) => volumes.get(path),
      putVolume: (operation, volume) =>
        Effect.suspend(() => {
          volumes.set(volume.path, volume)
          return persist(operation)
        }),
      removeVolume: (operation, path) =>
        Effect.suspend(() => (volumes.delete(path) ? persist(operation) : Effect.void)),
      allVolumes,
      exclusive: (name) => {
        let lock = locks.get(name)
        if (!lock) {
          lock = Semaphore.makeUnsafe(1)
          locks.set(name, lock)
        }
        return lock.withPermits(1)
      },
    }
    return hypervisor
  })
