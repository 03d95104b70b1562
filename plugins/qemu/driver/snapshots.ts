import { existsSync } from "node:fs"
import { Effect } from "effect"
import type { SnapshotInfo } from "../../../core/driver/driver.ts"
import type { DiskSpec } from "../../../core/driver/spec.ts"
import { diskNames } from "../argv/names.ts"
import { transaction } from "../qmp/commands/backup.ts"
import type { SnapshotInfo as QemuSnapshot } from "../qmp/commands/block.ts"
import { queryBlock } from "../qmp/commands/block.ts"
import { snapshotDelete, snapshotSave } from "../qmp/commands/snapshots.ts"
import type { Domain, Domains } from "./domains.ts"
import type { QemuImg } from "./image.ts"
import { explainNoSpace } from "./no-space.ts"
import { snapshotDisks } from "./options.ts"
import { readQcow2Snapshots } from "./qcow2-snapshots.ts"
import { withUndo } from "./undo.ts"

interface DiskSnapshots {
  readonly disk: DiskSpec
  readonly snapshots: ReadonlyArray<QemuSnapshot>
}

const toInfo = (tag: string, perDisk: ReadonlyArray<DiskSnapshots>): SnapshotInfo | undefined => {
  const found = perDisk.flatMap((entry) => entry.snapshots.filter((snapshot) => snapshot.name === tag))
  const first = found[0]
  if (!first) return undefined
  // qcow2 accounts no disk data per internal snapshot: the size is the saved memory.
  const memory = found.reduce((sum, snapshot) => sum + snapshot.vmStateSize, 0)
  return {
    name: tag,
    withMemory: memory > 0,
    sizeBytes: memory,
    createdAt: new Date(first.dateSec * 1000 + Math.floor(first.dateNsec / 1e6)),
  }
}

/**
 * Internal qcow2 snapshots, as the lab measured them: with memory through QMP's snapshot-save job; disk-only ones
 * through an atomic transaction of blockdev-snapshot-internal-sync (running) or qemu-img (stopped). A revert needs a
 * stopped domain (P4): the disks go back at once with qemu-img, and the memory, if saved, is loaded by the next start.
 * Removing a snapshot that is not there succeeds.
 */
export const makeSnapshots = (domains: Domains, qemuImg: QemuImg) => {
  const { errors } = domains

  /** The snapshot disks of a domain; internal snapshots need every writable disk to be qcow2. */
  const disksOf = (operation: string, domain: Domain) => {
    const disks = snapshotDisks(domain.definition.spec)
    const raw = disks.find((disk) => disk.format !== "qcow2")
    if (raw) return Effect.fail(errors.invalid(operation, `disk ${raw.id} is raw: internal snapshots need qcow2`))
    if (disks.length === 0) return Effect.fail(errors.invalid(operation, "the domain has no writable disk"))
    return Effect.succeed(disks)
  }

  const snapshotsPerDisk = (operation: string, domain: Domain) =>
    Effect.gen(function* () {
      const disks = yield* disksOf(operation, domain)
      const session = yield* domains.live(domain)
      if (session) {
        const monitor = yield* session.monitor(operation)
        const blocks = yield* queryBlock(monitor).pipe(Effect.mapError(errors.fromQmp(operation)))
        return disks.map((disk): DiskSnapshots => {
          const node = diskNames(disk.id).node
          const block = blocks.find((candidate) => candidate.inserted?.nodeName === node)
          return { disk, snapshots: block?.inserted?.image.snapshots ?? [] }
        })
      }
      // Read from the files themselves: a qemu-img process per disk would cost more than the revert it precedes.
      return yield* Effect.forEach(disks, (disk) =>
        Effect.try({
          try: (): DiskSnapshots => ({
            disk,
            snapshots: existsSync(disk.path) ? (readQcow2Snapshots(disk.path) ?? []) : [],
          }),
          catch: (cause) =>
            errors.failure(operation, `cannot read the snapshots of ${disk.path}: ${String(cause)}`, false),
        }),
      )
    })

  const list = Effect.fn("QemuDriver.snapshots.list")(function* (name: string) {
    const perDisk = yield* snapshotsPerDisk("snapshots.list", yield* domains.get("snapshots.list", name))
    const tags = [...new Set((perDisk[0]?.snapshots ?? []).map((snapshot) => snapshot.name))]
    return tags.flatMap((tag) => toInfo(tag, perDisk) ?? [])
  })

  const create = Effect.fn("QemuDriver.snapshots.create")(function* (
    name: string,
    tag: string,
    options: { readonly withMemory: boolean },
  ) {
    const operation = "snapshots.create"
    // qcow2 also finds snapshots by their numeric id: a numeric name would be ambiguous.
    if (tag.trim() === "" || /^\d+$/.test(tag)) return yield* errors.invalid(operation, `bad snapshot name "${tag}"`)
    yield* domains.exclusive(name)(
      Effect.gen(function* () {
        const domain = yield* domains.get(operation, name)
        const session = yield* domains.live(domain)
        if (session) {
          // QEMU refuses a name any of the disks already has ("already exists": InvalidRequest), no need to look.
          const nodes = (yield* disksOf(operation, domain)).map((disk) => diskNames(disk.id).node)
          const monitor = yield* session.monitor(operation)
          const work = options.withMemory
            ? snapshotSave(monitor, { tag, vmstate: nodes[0] ?? "", devices: nodes })
            : transaction(
                monitor,
                nodes.map((node) => ({ type: "blockdev-snapshot-internal-sync", data: { device: node, name: tag } })),
              )
          const spec = domain.definition.spec
          return yield* work.pipe(
            Effect.mapError(errors.fromQmp(operation)),
            Effect.mapError(
              explainNoSpace(
                errors,
                operation,
                spec.disks.map((disk) => disk.path),
                spec.memoryMiB,
              ),
            ),
          )
        }
        const perDisk = yield* snapshotsPerDisk(operation, domain)
        if (toInfo(tag, perDisk)) return yield* errors.invalid(operation, `${name} already has a snapshot ${tag}`)
        if (options.withMemory) return yield* errors.wrongPower(operation, name, "stopped")
        yield* withUndo((onUndo) =>
          Effect.forEach(perDisk, ({ disk }) =>
            qemuImg
              .run(operation, ["snapshot", "-c", tag, disk.path])
              .pipe(Effect.tap(() => onUndo(qemuImg.run(operation, ["snapshot", "-d", tag, disk.path])))),
          ),
        )
      }),
    )
  })

  const revert = Effect.fn("QemuDriver.snapshots.revert")(function* (name: string, tag: string) {
    const operation = "snapshots.revert"
    yield* domains.exclusive(name)(
      Effect.gen(function* () {
        const domain = yield* domains.get(operation, name)
        if (yield* domains.live(domain)) return yield* errors.wrongPower(operation, name, "running")
        const perDisk = yield* snapshotsPerDisk(operation, domain)
        const info = toInfo(tag, perDisk)
        if (!info) return yield* errors.invalid(operation, `${name} has no snapshot ${tag}`)
        for (const { disk, snapshots } of perDisk) {
          if (snapshots.some((snapshot) => snapshot.name === tag)) {
            yield* qemuImg.run(operation, ["snapshot", "-a", tag, disk.path])
          }
        }
        const resumeSnapshot = info.withMemory ? tag : null
        // The definition names the memory the next start loads; rewritten only when that changes.
        if (domain.definition.resumeSnapshot !== resumeSnapshot) {
          yield* domains.save(operation, { ...domain.definition, resumeSnapshot })
        }
      }),
    )
  })

  const remove = Effect.fn("QemuDriver.snapshots.remove")(function* (name: string, tag: string) {
    const operation = "snapshots.remove"
    yield* domains.exclusive(name)(
      Effect.gen(function* () {
        const domain = yield* domains.get(operation, name)
        const perDisk = yield* snapshotsPerDisk(operation, domain)
        const holders = perDisk.filter(({ snapshots }) => snapshots.some((snapshot) => snapshot.name === tag))
        const session = yield* domains.live(domain)
        if (holders.length > 0 && session) {
          const monitor = yield* session.monitor(operation)
          const devices = holders.map(({ disk }) => diskNames(disk.id).node)
          yield* snapshotDelete(monitor, { tag, devices }).pipe(Effect.mapError(errors.fromQmp(operation)))
        } else {
          for (const { disk } of holders) yield* qemuImg.run(operation, ["snapshot", "-d", tag, disk.path])
        }
        if (domain.definition.resumeSnapshot === tag) {
          yield* domains.save(operation, { ...domain.definition, resumeSnapshot: null })
        }
      }),
    )
  })

  return { create, revert, remove, list }
}
