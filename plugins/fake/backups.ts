import { Effect } from "effect"
import type { BackupOptions, BackupResult, Driver, IncrementalOptions, VolumeSpec } from "../../core/driver/driver.ts"
import type { DriverError } from "../../core/driver/errors.ts"
import type { DiskSpec } from "../../core/driver/spec.ts"
import { volumeSpecProblem } from "../../core/driver/volume-spec.ts"
import { filesBytes, filesOfDisk, withDiskFiles } from "./disk-files.ts"
import type { Hypervisor } from "./hypervisor.ts"
import type { GuestDisk, VolumeRecord } from "./state.ts"

type Backups = Required<Required<Pick<Driver, "backups">>["backups"]>
type Files = Record<string, string>

/** qcow2 header and metadata, so that even an empty increment has a size. */
const overheadBytes = 64 * 1024

/**
 * The files a volume holds with its backing chain applied (oldest first), or why it cannot be read: a link of the
 * chain is missing. A volume the fake wrote no files into (an image overlay, an empty disk) holds none.
 */
export const volumeFiles = (hv: Hypervisor, path: string): { readonly files: Files } | { readonly problem: string } => {
  const chain: Array<VolumeRecord> = []
  const seen = new Set<string>()
  for (let current: string | undefined = path; current !== undefined; current = chain[0]?.backingPath) {
    if (seen.has(current)) return { problem: `the backing chain of ${path} loops at ${current}` }
    seen.add(current)
    const volume = hv.findVolume(current)
    if (!volume)
      return { problem: current === path ? `${path} does not exist` : `${path} needs ${current}, which is gone` }
    chain.unshift(volume)
  }
  const files: Files = {}
  for (const volume of chain) {
    for (const gone of volume.deleted ?? []) delete files[gone]
    Object.assign(files, volume.files ?? {})
  }
  return { files }
}

/** The guest with the files of these disks' volumes in place: a restored disk shows its files once defined or attached. */
export const withVolumeFiles = (hv: Hypervisor, guest: GuestDisk, disks: ReadonlyArray<DiskSpec>): GuestDisk =>
  disks.reduce((current, disk) => {
    const content = volumeFiles(hv, disk.path)
    return "files" in content ? withDiskFiles(current, disk, content.files) : current
  }, guest)

const changedSince = (baseline: Readonly<Files>, now: Readonly<Files>) => ({
  files: Object.fromEntries(Object.entries(now).filter(([path, content]) => baseline[path] !== content)),
  deleted: Object.keys(baseline).filter((path) => !(path in now)),
})

/**
 * Disk backups into volume records: a full backup copies the disk's files and starts (or restarts) the chain's bitmap;
 * an increment holds only the files changed or deleted since the chain's last backup, backed by that backup, and
 * is refused when the chain is unknown (dropped) or does not end at `previous`. Restore folds a chain into a new
 * standalone volume. Backups work in any power state; the domain's per-call lock keeps them apart from other calls.
 */
export const makeBackups = (hv: Hypervisor): Backups => {
  const take = (
    operation: string,
    name: string,
    diskId: string,
    target: string,
    options: BackupOptions & Partial<Pick<IncrementalOptions, "previous">>,
  ): Effect.Effect<BackupResult, DriverError> =>
    Effect.gen(function* () {
      if (target === "" || options.chain === "") return yield* hv.invalid(operation, "empty target or chain name")
      const record = yield* hv.get(operation, name)
      const disk = record.spec.disks.find((other) => other.id === diskId)
      if (!disk) return yield* hv.invalid(operation, `${name} has no disk ${diskId}`)
      if (hv.findVolume(target)) return yield* hv.invalid(operation, `${target} already exists`)
      const now = filesOfDisk(record.spec, record.guest, disk)
      const sizeGiB = hv.findVolume(disk.path)?.sizeGiB ?? 1
      let volume: VolumeRecord = { path: target, format: "qcow2", sizeGiB, files: now }
      const { previous } = options
      if (previous !== undefined) {
        const bitmap = record.bitmaps.find((b) => b.diskId === diskId && b.chain === options.chain)
        if (!bitmap)
          return yield* hv.invalid(operation, `disk ${diskId} of ${name} has no backup chain ${options.chain}`)
        if (bitmap.last !== previous)
          return yield* hv.invalid(operation, `chain ${options.chain} ends at ${bitmap.last}, not at ${previous}`)
        if (!hv.findVolume(previous)) return yield* hv.invalid(operation, `${previous} does not exist`)
        const changes = changedSince(bitmap.baseline, now)
        volume = { ...volume, backingPath: previous, backingFormat: "qcow2", ...changes }
      }
      yield* hv.putVolume(operation, volume)
      yield* hv.update(operation, name, (current) => ({
        ...current,
        bitmaps: [
          ...current.bitmaps.filter((b) => b.diskId !== diskId || b.chain !== options.chain),
          { diskId, chain: options.chain, baseline: now, last: target },
        ],
      }))
      return { sizeBytes: overheadBytes + filesBytes(volume.files ?? {}) }
    })

  return {
    full: Effect.fn("FakeDriver.backups.full")(function* (
      name: string,
      diskId: string,
      target: string,
      options: BackupOptions,
    ) {
      return yield* hv.exclusive(name)(take("backups.full", name, diskId, target, { chain: options.chain }))
    }),

    incremental: Effect.fn("FakeDriver.backups.incremental")(function* (
      name: string,
      diskId: string,
      target: string,
      options: IncrementalOptions,
    ) {
      return yield* hv.exclusive(name)(take("backups.incremental", name, diskId, target, options))
    }),

    dropChain: Effect.fn("FakeDriver.backups.dropChain")(function* (name: string, diskId: string, chain: string) {
      yield* hv.exclusive(name)(
        hv.update("backups.dropChain", name, (record) => ({
          ...record,
          bitmaps: record.bitmaps.filter((b) => b.diskId !== diskId || b.chain !== chain),
        })),
      )
    }),

    /** The fake copies in one step: a backup volume it holds, on the asked base, is a copy that completed. */
    settle: Effect.fn("FakeDriver.backups.settle")(function* (
      name: string,
      target: string,
      previous: string | undefined,
    ) {
      yield* hv.get("backups.settle", name)
      const volume = hv.findVolume(target)
      return volume?.files !== undefined && volume.backingPath === previous
        ? { sizeBytes: overheadBytes + filesBytes(volume.files) }
        : undefined
    }),

    restore: Effect.fn("FakeDriver.backups.restore")(function* (backup: string, target: VolumeSpec) {
      const problem = volumeSpecProblem(target)
      if (problem) return yield* hv.invalid("backups.restore", problem)
      if (target.backingPath !== undefined)
        return yield* hv.invalid("backups.restore", "a restored volume stands alone: no backing path")
      if (hv.findVolume(backup)?.files === undefined)
        return yield* hv.invalid("backups.restore", `${backup} is not a backup`)
      if (hv.findVolume(target.path)) return yield* hv.invalid("backups.restore", `${target.path} already exists`)
      const content = volumeFiles(hv, backup)
      if ("problem" in content) return yield* hv.invalid("backups.restore", content.problem)
      yield* hv.putVolume("backups.restore", {
        path: target.path,
        format: target.format,
        sizeGiB: target.sizeGiB,
        files: content.files,
      })
    }),
  }
}
