/**
 * Test support for live migration: two "hosts" on this machine (two driver instances, each with its own state and
 * run folders), and the core's sequence of the migration calls (prepare, send, finish, release; abort and rollback
 * on failure), as the core will run it.
 */
import { randomUUID } from "node:crypto"
import { join } from "node:path"
import { Effect, Stream } from "effect"
import type {
  DriverEvent,
  MigrationMode,
  MigrationProgress,
  MigrationResult,
  MigrationStorage,
} from "../../../core/driver/driver.ts"
import type { VmSpec } from "../../../core/driver/spec.ts"
import type { QemuDriver } from "./driver.ts"
import type { ScopedDriver, TestHost } from "./testing.ts"

/** Every progress sample an instance publishes, collected from the moment this is called. */
export const collectProgress = async (d: ScopedDriver): Promise<Array<MigrationProgress>> => {
  const samples: Array<MigrationProgress> = []
  await d.run(
    Effect.forkScoped(
      Stream.runForEach(d.driver.migration.progress, (sample) => Effect.sync(() => samples.push(sample))),
    ),
  )
  return samples
}

/** Every event an instance publishes (an exit's detail names its signal or status), from the moment this is called. */
export const collectEvents = async (d: ScopedDriver): Promise<Array<DriverEvent>> => {
  const events: Array<DriverEvent> = []
  await d.run(Effect.forkScoped(Stream.runForEach(d.driver.events, (event) => Effect.sync(() => events.push(event)))))
  return events
}

/**
 * The spec the target defines: the same VM, its writable disks at new paths of the target host for local storage
 * (never a path the guest uses now: with shared storage moves in between, that file may be the running disk).
 */
export const targetSpec = (spec: VmSpec, target: TestHost, storage: MigrationStorage): VmSpec =>
  storage === "shared"
    ? spec
    : {
        ...spec,
        disks: spec.disks.map((disk) =>
          disk.readonly
            ? disk
            : { ...disk, path: join(target.diskDir, `${spec.name}-${disk.id}-${randomUUID().slice(0, 8)}.qcow2`) },
        ),
      }

/** Where a move's time goes, step by step (ms). */
export interface MovePhases {
  readonly volumes: number
  readonly prepare: number
  readonly send: number
  readonly finish: number
  readonly release: number
}

export interface MoveOptions {
  readonly storage: MigrationStorage
  readonly mode?: MigrationMode
  /** The send's deadline for the disk copy to get in sync (local storage). */
  readonly diskSyncTimeoutMs?: number
  /** Called once `send` runs, with the target's instance (to cancel or kill mid-way). */
  readonly during?: () => Promise<void>
}

/**
 * Moves a running VM from `source` to `target` the way the core does: volumes and incoming on the target, send,
 * the proof on the target, then the source released. A failure at any step removes the incoming domain and resumes
 * the source, then rethrows. Returns the target's spec and the send's result.
 */
export const move = async (
  source: ScopedDriver,
  target: ScopedDriver,
  targetHost: TestHost,
  spec: VmSpec,
  options: MoveOptions,
): Promise<{ readonly spec: VmSpec; readonly result: MigrationResult; readonly phasesMs: MovePhases }> => {
  const moved = targetSpec(spec, targetHost, options.storage)
  const dst: QemuDriver = target.driver
  const src: QemuDriver = source.driver
  const made: Array<string> = []
  let side: Promise<unknown> = Promise.resolve()
  let mark = Date.now()
  const lap = () => {
    const now = Date.now()
    const ms = now - mark
    mark = now
    return ms
  }
  try {
    if (options.storage === "local") {
      for (const disk of moved.disks.filter((disk) => !disk.readonly)) {
        await target.run(dst.volumes.create({ path: disk.path, format: "qcow2", sizeGiB: 1 }))
        made.push(disk.path)
      }
    }
    const volumes = lap()
    const endpoint = await target.run(
      dst.migration.prepareIncoming(moved, { storage: options.storage, listenHost: "127.0.0.1" }),
    )
    const prepare = lap()
    const sending = source.run(
      src.migration.send(spec.name, endpoint, { storage: options.storage, ...sendOptionsOf(options) }),
    )
    side = (options.during?.() ?? Promise.resolve()).then(
      () => undefined,
      (error: unknown) => error,
    )
    const result = await sending
    const sideError = await side
    if (sideError !== undefined) throw sideError
    const send = lap()
    await target.run(dst.migration.finishIncoming(spec.name))
    const finish = lap()
    await source.run(src.migration.release(spec.name))
    return { spec: moved, result, phasesMs: { volumes, prepare, send, finish, release: lap() } }
  } catch (error) {
    await side
    await target.run(Effect.ignore(dst.migration.abortIncoming(spec.name)))
    for (const path of made) await target.run(Effect.ignore(dst.volumes.remove(path)))
    await source.run(Effect.ignore(src.migration.rollback(spec.name)))
    throw error
  }
}

const sendOptionsOf = (options: MoveOptions) => ({
  ...(options.mode === undefined ? {} : { mode: options.mode }),
  ...(options.diskSyncTimeoutMs === undefined ? {} : { diskSyncTimeoutMs: options.diskSyncTimeoutMs }),
})
