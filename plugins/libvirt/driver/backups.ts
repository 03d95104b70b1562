import { existsSync, statSync } from "node:fs"
import { mkdir, rm } from "node:fs/promises"
import { dirname, resolve } from "node:path"
import { Effect } from "effect"
import type { BackupOptions, IncrementalOptions, VolumeSpec } from "../../../core/driver/driver.ts"
import type { DriverError } from "../../../core/driver/errors.ts"
import { type LiveDisk, parseCheckpointXml, parseDisks } from "../virsh/xml-read.ts"
import { diskAlias, encodeId } from "../xml/names.ts"
import { el, renderXml } from "../xml/xml.ts"
import type { DriverContext } from "./context.ts"
import type { Lifecycle } from "./lifecycle.ts"

const JOB_POLL_MS = 100
const JOB_TIMEOUT_MS = 30 * 60_000
const GiB = 1024 ** 3

/** Checkpoint names of a chain: "hx.<disk>.<chain>.<n>", n counting from 1 at the full backup. */
const chainPrefix = (diskId: string, chain: string) => `hx.${encodeId(diskId)}.${encodeId(chain)}.`
const sequenceOf = (prefix: string, checkpoint: string) => Number(checkpoint.slice(prefix.length))

/**
 * Disk backups (diskBackup) with libvirt's push-mode `backup-begin` and checkpoints: a full backup creates the chain's
 * first checkpoint (a persistent dirty bitmap of that disk only) and copies the whole disk into a new qcow2; an
 * increment copies what changed since the chain's last checkpoint into a qcow2 whose backing file is the previous
 * backup (pre-created, `--reuse-external`) and adds the next checkpoint. Each checkpoint's description is the file it
 * wrote, so an increment on any other previous backup is refused. libvirt backs up (and deletes checkpoints of)
 * running domains only: a stopped one is started paused for the call (its guest never runs) and stopped again.
 */
export const makeBackups = (ctx: DriverContext, lifecycle: Lifecycle) => {
  const { client, errors } = ctx

  const diskOf = (operation: string, name: string, diskId: string) =>
    Effect.gen(function* () {
      const disks = parseDisks(yield* ctx.call(operation, name, client.dumpXml(name)))
      const disk = disks.find((candidate) => candidate.alias === diskAlias(diskId))
      if (disk === undefined) return yield* errors.invalid(operation, `${name} has no disk ${diskId}`)
      return { disk, all: disks }
    })

  const chainCheckpoints = (operation: string, name: string, diskId: string, chain: string) =>
    ctx.call(operation, name, client.checkpointNames(name)).pipe(
      Effect.map((names) => {
        const prefix = chainPrefix(diskId, chain)
        return names
          .filter((checkpoint) => checkpoint.startsWith(prefix) && /^\d+$/.test(checkpoint.slice(prefix.length)))
          .sort((a, b) => sequenceOf(prefix, a) - sequenceOf(prefix, b))
      }),
    )

  /** Runs `use` while a QEMU runs the domain: as it is, or started paused for the call and stopped after. */
  const withQemu = <A>(operation: string, name: string, use: Effect.Effect<A, DriverError>) =>
    Effect.gen(function* () {
      const current = yield* lifecycle.state(operation, name)
      if (current.power !== "stopped") return yield* use
      // a managed save (left by a memory revert) would be consumed by the start and lost by the stop
      if (current.reason === "saved")
        return yield* errors.invalid(operation, `${name} holds saved memory: start it first`)
      yield* ctx.call(operation, name, client.start(name, { paused: true }))
      return yield* use.pipe(Effect.ensuring(Effect.ignore(lifecycle.destroy(operation, name))))
    })

  /** One backup job of `disk` into `target`, creating checkpoint `checkpoint`; waits until libvirt says how it ended. */
  const runJob = (
    operation: string,
    name: string,
    disks: { readonly disk: LiveDisk; readonly all: ReadonlyArray<LiveDisk> },
    target: string,
    checkpoint: string,
    incrementalFrom: string | undefined,
  ) =>
    Effect.gen(function* () {
      const others = disks.all.filter((other) => other.target !== disks.disk.target && other.device === "disk")
      const backupXml = el(
        "domainbackup",
        { mode: "push" },
        incrementalFrom !== undefined && el("incremental", {}, incrementalFrom),
        el(
          "disks",
          {},
          el(
            "disk",
            { name: disks.disk.target, backup: "yes", type: "file" },
            el("target", { file: target }),
            el("driver", { type: "qcow2" }),
          ),
          others.map((other) => el("disk", { name: other.target, backup: "no" })),
        ),
      )
      const checkpointXml = el(
        "domaincheckpoint",
        {},
        el("name", {}, checkpoint),
        el("description", {}, resolve(target)),
        el(
          "disks",
          {},
          el("disk", { name: disks.disk.target, checkpoint: "bitmap" }),
          others.map((other) => el("disk", { name: other.target, checkpoint: "no" })),
        ),
      )
      yield* ctx.call(
        operation,
        name,
        client.backupBegin(name, renderXml(backupXml), renderXml(checkpointXml), {
          reuseExternal: incrementalFrom !== undefined,
        }),
      )
      const deadline = Date.now() + JOB_TIMEOUT_MS
      while ((yield* ctx.call(operation, name, client.jobType(name, { completed: false }))) !== "None") {
        if (Date.now() > deadline) return yield* errors.timeout(operation, JOB_TIMEOUT_MS)
        yield* Effect.sleep(JOB_POLL_MS)
      }
      const outcome = yield* ctx.call(operation, name, client.jobType(name, { completed: true }))
      if (outcome !== "Completed") return yield* errors.failure(operation, `the backup job ended ${outcome}`, false)
      return { sizeBytes: statSync(target, { throwIfNoEntry: false })?.size ?? 0 }
    })

  const freshTarget = (operation: string, target: string) =>
    existsSync(target)
      ? errors.invalid(operation, `${target} already exists`)
      : Effect.promise(() => mkdir(dirname(target), { recursive: true, mode: 0o755 })).pipe(Effect.asVoid)

  const dropCheckpoints = (operation: string, name: string, diskId: string, chain: string) =>
    Effect.gen(function* () {
      const checkpoints = yield* chainCheckpoints(operation, name, diskId, chain)
      for (const checkpoint of [...checkpoints].reverse()) {
        yield* ctx.call(operation, name, client.checkpointDelete(name, checkpoint))
      }
    })

  const full = Effect.fn("LibvirtDriver.backups.full")(function* (
    name: string,
    diskId: string,
    target: string,
    options: BackupOptions,
  ) {
    const operation = "backups.full"
    return yield* ctx.exclusive(name)(
      Effect.gen(function* () {
        yield* lifecycle.state(operation, name)
        yield* freshTarget(operation, target)
        const checkpoint = `${chainPrefix(diskId, options.chain)}1`
        return yield* withQemu(
          operation,
          name,
          Effect.gen(function* () {
            // a full backup starts the chain afresh
            yield* dropCheckpoints(operation, name, diskId, options.chain)
            return yield* runJob(operation, name, yield* diskOf(operation, name, diskId), target, checkpoint, undefined)
          }),
        )
      }),
    )
  })

  const incremental = Effect.fn("LibvirtDriver.backups.incremental")(function* (
    name: string,
    diskId: string,
    target: string,
    options: IncrementalOptions,
  ) {
    const operation = "backups.incremental"
    return yield* ctx.exclusive(name)(
      Effect.gen(function* () {
        yield* lifecycle.state(operation, name)
        const checkpoints = yield* chainCheckpoints(operation, name, diskId, options.chain)
        const last = checkpoints.at(-1)
        if (last === undefined) return yield* errors.invalid(operation, `${name} has no backup chain ${options.chain}`)
        const wrote = parseCheckpointXml(yield* ctx.call(operation, name, client.checkpointXml(name, last))).description
        if (wrote === undefined || resolve(wrote) !== resolve(options.previous)) {
          return yield* errors.invalid(
            operation,
            `${options.previous} does not end chain ${options.chain} (${wrote} does)`,
          )
        }
        yield* freshTarget(operation, target)
        const size = (yield* ctx.qemuImg.info(options.previous))?.["virtual-size"]
        if (size === undefined) return yield* errors.invalid(operation, `cannot read ${options.previous}`)
        const prefix = chainPrefix(diskId, options.chain)
        yield* ctx.qemuImg
          .run(["create", "-q", "-f", "qcow2", "-b", resolve(options.previous), "-F", "qcow2", target, String(size)])
          .pipe(Effect.catch((message) => errors.invalid(operation, `qemu-img create ${target}: ${message}`)))
        return yield* withQemu(
          operation,
          name,
          diskOf(operation, name, diskId).pipe(
            Effect.flatMap((disks) =>
              runJob(operation, name, disks, target, `${prefix}${sequenceOf(prefix, last) + 1}`, last),
            ),
          ),
        ).pipe(Effect.tapError(() => Effect.promise(() => rm(target, { force: true }))))
      }),
    )
  })

  const dropChain = Effect.fn("LibvirtDriver.backups.dropChain")(function* (
    name: string,
    diskId: string,
    chain: string,
  ) {
    const operation = "backups.dropChain"
    yield* ctx.exclusive(name)(
      Effect.gen(function* () {
        yield* lifecycle.state(operation, name)
        if ((yield* chainCheckpoints(operation, name, diskId, chain)).length === 0) return
        // libvirt merges a checkpoint's bitmap away with QEMU's help only: a stopped domain runs paused for it
        yield* withQemu(operation, name, dropCheckpoints(operation, name, diskId, chain))
      }),
    )
  })

  /** The disk a backup holds (its whole chain) as a new standalone volume. */
  const restore = Effect.fn("LibvirtDriver.backups.restore")(function* (backup: string, target: VolumeSpec) {
    const operation = "backups.restore"
    if (!existsSync(backup)) return yield* errors.invalid(operation, `${backup} does not exist`)
    yield* freshTarget(operation, target.path)
    const failed = (message: string) => errors.invalid(operation, `${target.path}: ${message}`)
    yield* ctx.qemuImg.run(["convert", "-q", "-O", target.format, backup, target.path]).pipe(Effect.catch(failed))
    const size = (yield* ctx.qemuImg.info(target.path))?.["virtual-size"] ?? 0
    if (size < target.sizeGiB * GiB) {
      yield* ctx.qemuImg
        .run(["resize", "-q", "-f", target.format, target.path, `${target.sizeGiB}G`])
        .pipe(Effect.catch(failed))
    }
  })

  return { full, incremental, dropChain, restore }
}
