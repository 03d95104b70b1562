import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs"
import { rm } from "node:fs/promises"
import { dirname, resolve } from "node:path"
import { Effect } from "effect"
import type { BackupOptions, BackupResult, IncrementalOptions } from "../../../core/driver/driver.ts"
import type { DriverError } from "../../../core/driver/errors.ts"
import type { DiskSpec } from "../../../core/driver/spec.ts"
import type { HostCommands } from "../../host-commands/host-commands.ts"
import { diskNames } from "../argv/names.ts"
import { blockDirtyBitmapRemove } from "../qmp/commands/backup.ts"
import type { QmpMonitor } from "../qmp/monitor.ts"
import { runBackupJob, settleBackupJob } from "./backup-job.ts"
import { nodeFacts } from "./block-nodes.ts"
import type { ChainStore } from "./chains.ts"
import type { Domain, Domains } from "./domains.ts"
import type { QemuImg } from "./image.ts"
import { makeRestore } from "./restore.ts"
import { serveStoppedDisk } from "./storage-daemon.ts"

/** A copy is bounded by the disk's size and the host's speed, not by QEMU's answer time. */
const BACKUP_JOB_MS = 30 * 60_000

/**
 * Disk backups (capability diskBackup) with QEMU's own machinery, running or not: a full backup is one transaction
 * of a new persistent dirty bitmap (named after the chain) and `blockdev-backup sync=full`; an increment is
 * `blockdev-backup sync=incremental` with that bitmap, into a qcow2 whose backing file is the previous backup.
 * A running domain's QEMU does it; a stopped domain's disk is served for the call by a qemu-storage-daemon, so the
 * same commands run and the bitmap lives in the image either way. Which backup ends each chain is recorded in the
 * state folder (`chains.ts`): an increment on another one, or on a chain whose bitmap is gone, is refused.
 */
export const makeBackups = (domains: Domains, qemuImg: QemuImg, chains: ChainStore, commands: HostCommands) => {
  const { errors, settings } = domains
  const jobMs =
    (settings.qmpTimeouts.table?.["job:blockdev-backup"] ?? BACKUP_JOB_MS) * (settings.qmpTimeouts.scale ?? 1)

  const diskOf = (operation: string, domain: Domain, diskId: string) => {
    const spec = domain.definition.spec
    const disk = spec.disks.find((candidate) => candidate.id === diskId)
    if (!disk) return Effect.fail(errors.invalid(operation, `${spec.name} has no disk ${diskId}`))
    if (disk.format !== "qcow2")
      return Effect.fail(errors.invalid(operation, `disk ${diskId} is ${disk.format}: backups need qcow2 bitmaps`))
    if (disk.readonly) return Effect.fail(errors.invalid(operation, `disk ${diskId} is read-only`))
    return Effect.succeed(disk)
  }

  /** Runs `use` on a QMP monitor holding the disk's node: the domain's QEMU, or a storage daemon while it is off. */
  const withDiskNode = <A>(
    operation: string,
    domain: Domain,
    disk: DiskSpec,
    use: (monitor: QmpMonitor) => Effect.Effect<A, DriverError>,
  ) =>
    Effect.gen(function* () {
      const session = yield* domains.live(domain)
      if (session) return yield* use(yield* session.monitor(operation))
      return yield* Effect.scoped(
        Effect.flatMap(serveStoppedDisk(settings, errors, commands, operation, domain.definition.spec.name, disk), use),
      )
    })

  /** The target's folder and an empty file (QEMU formats it); refused if the file appeared meanwhile. */
  const createTarget = (operation: string, target: string) =>
    Effect.try({
      try: () => {
        mkdirSync(dirname(target), { recursive: true, mode: 0o700 })
        writeFileSync(target, "", { flag: "wx" })
      },
      catch: (cause) => errors.failure(operation, `cannot create ${target}: ${String(cause)}`, false),
    })

  const take = (
    operation: string,
    name: string,
    diskId: string,
    targetPath: string,
    chain: string,
    previousPath: string | undefined,
  ): Effect.Effect<BackupResult, DriverError> =>
    domains.exclusive(name)(
      Effect.gen(function* () {
        if (targetPath === "" || chain === "") return yield* errors.invalid(operation, "empty target or chain name")
        const domain = yield* domains.get(operation, name)
        const disk = yield* diskOf(operation, domain, diskId)
        const target = resolve(targetPath)
        const previous = previousPath === undefined ? undefined : resolve(previousPath)
        if (previous !== undefined) {
          const last = chains.last(disk.path, chain)
          if (last === undefined)
            return yield* errors.invalid(operation, `disk ${diskId} of ${name} has no backup chain ${chain}`)
          if (last !== previous)
            return yield* errors.invalid(operation, `chain ${chain} ends at ${last}, not at ${previous}`)
          if (!existsSync(previous)) return yield* errors.invalid(operation, `${previous} does not exist`)
        }
        if (existsSync(target)) return yield* errors.invalid(operation, `${target} already exists`)
        const node = diskNames(disk.id).node
        // Write-ahead: the chain ends at the new backup before the copy clears the bitmap, so that no failure or
        // crash can leave a record that lets a later increment skip what this copy took from the bitmap.
        yield* chains.set(operation, disk.path, chain, target)
        const undo = Effect.gen(function* () {
          yield* Effect.promise(() => rm(target, { force: true }))
          yield* Effect.ignore(
            previous === undefined
              ? chains.drop(operation, disk.path, chain)
              : chains.set(operation, disk.path, chain, previous),
          )
        })
        yield* withDiskNode(operation, domain, disk, (monitor) =>
          Effect.gen(function* () {
            const qmp = errors.fromQmp(operation)
            const facts = yield* nodeFacts(monitor, node).pipe(Effect.mapError(qmp))
            if (!facts) return yield* errors.failure(operation, `QEMU has no block node ${node} for ${diskId}`, false)
            const bitmap = facts.bitmaps.find((candidate) => candidate.name === chain)
            if (previous !== undefined && bitmap === undefined)
              return yield* errors.invalid(operation, `the bitmap of chain ${chain} is gone from ${disk.path}`)
            if (previous !== undefined && bitmap?.inconsistent === true)
              return yield* errors.invalid(operation, `chain ${chain} is broken: its bitmap was not saved cleanly`)
            // A full backup (re)starts its chain: a bitmap of that name left from before goes first.
            if (previous === undefined && bitmap !== undefined)
              yield* blockDirtyBitmapRemove(monitor, { node, name: chain }).pipe(Effect.mapError(qmp))
            yield* createTarget(operation, target)
            const kind = previous === undefined ? "full" : "incremental"
            const job = { node, target, sizeBytes: facts.virtualSize, kind, chain, timeoutMs: jobMs } as const
            yield* runBackupJob(monitor, previous === undefined ? job : { ...job, previous }).pipe(Effect.mapError(qmp))
          }),
        ).pipe(Effect.onError(() => undo))
        return { sizeBytes: statSync(target).size }
      }),
    )

  const full = Effect.fn("QemuDriver.backups.full")(function* (
    name: string,
    diskId: string,
    target: string,
    options: BackupOptions,
  ) {
    return yield* take("backups.full", name, diskId, target, options.chain, undefined)
  })

  const incremental = Effect.fn("QemuDriver.backups.incremental")(function* (
    name: string,
    diskId: string,
    target: string,
    options: IncrementalOptions,
  ) {
    return yield* take("backups.incremental", name, diskId, target, options.chain, options.previous)
  })

  /** Removes the chain's bitmap (through QEMU while it runs, with qemu-img otherwise) and its record. */
  const dropChain = Effect.fn("QemuDriver.backups.dropChain")(function* (name: string, diskId: string, chain: string) {
    const operation = "backups.dropChain"
    yield* domains.exclusive(name)(
      Effect.gen(function* () {
        const domain = yield* domains.get(operation, name)
        const disk = domain.definition.spec.disks.find((candidate) => candidate.id === diskId)
        if (disk?.format !== "qcow2") return
        const session = yield* domains.live(domain)
        if (session) {
          const monitor = yield* session.monitor(operation)
          const node = diskNames(disk.id).node
          const facts = yield* nodeFacts(monitor, node).pipe(Effect.mapError(errors.fromQmp(operation)))
          if (facts?.bitmaps.some((bitmap) => bitmap.name === chain)) {
            yield* blockDirtyBitmapRemove(monitor, { node, name: chain }).pipe(
              Effect.mapError(errors.fromQmp(operation)),
            )
          }
        } else if ((yield* qemuImg.bitmaps(operation, disk.path)).includes(chain)) {
          yield* qemuImg.run(operation, ["bitmap", "--remove", disk.path, chain])
        }
        yield* chains.drop(operation, disk.path, chain)
      }),
    )
  })

  /**
   * #14: a copy the agent stopped waiting for. Only a running domain's QEMU carries a copy on by itself (a storage
   * daemon ends with the agent that served the stopped disk); what it finished counts when the file is the backup
   * that was asked for (backed by `previous`, or by nothing for a full one).
   */
  const settle = Effect.fn("QemuDriver.backups.settle")(function* (
    name: string,
    targetPath: string,
    previousPath: string | undefined,
  ) {
    const operation = "backups.settle"
    const target = resolve(targetPath)
    const completed = yield* domains.exclusive(name)(
      Effect.gen(function* () {
        const session = yield* domains.live(yield* domains.get(operation, name))
        if (!session) return false
        const monitor = yield* session.monitor(operation)
        return yield* settleBackupJob(monitor, target, jobMs).pipe(Effect.mapError(errors.fromQmp(operation)))
      }),
    )
    if (!completed) return undefined
    const info = yield* qemuImg.info(operation, target)
    const backing = info?.backingFilename === undefined ? undefined : resolve(dirname(target), info.backingFilename)
    const asked = previousPath === undefined ? undefined : resolve(previousPath)
    return info !== undefined && backing === asked ? { sizeBytes: statSync(target).size } : undefined
  })

  return { full, incremental, dropChain, restore: makeRestore(domains, qemuImg), settle }
}
