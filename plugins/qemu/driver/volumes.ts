import { mkdir, rm } from "node:fs/promises"
import { dirname, resolve } from "node:path"
import { Effect } from "effect"
import type { VolumeSpec } from "../../../core/driver/driver.ts"
import { volumeSpecProblem } from "../../../core/driver/volume-spec.ts"
import type { Domains } from "./domains.ts"
import type { QemuImg } from "./image.ts"

const GiB = 1024 ** 3

/**
 * Disk files with qemu-img: an empty image, or a copy-on-write overlay of a base image (`-b base -F format`). Creating
 * the same volume again succeeds; a different one at a taken path is refused. Removing deletes the file (a missing
 * one is fine) unless a defined domain still lists it as a disk.
 */
export const makeVolumes = (domains: Domains, qemuImg: QemuImg) => ({
  create: Effect.fn("QemuDriver.volumes.create")(function* (volume: VolumeSpec) {
    const operation = "volumes.create"
    const problem = volumeSpecProblem(volume)
    if (problem) return yield* domains.errors.invalid(operation, problem)
    const existing = yield* qemuImg.info(operation, volume.path)
    if (existing) {
      const same =
        existing.format === volume.format &&
        existing.virtualSize === volume.sizeGiB * GiB &&
        (volume.backingPath === undefined
          ? existing.backingFilename === undefined
          : existing.backingFilename !== undefined && resolve(existing.backingFilename) === resolve(volume.backingPath))
      if (same) return
      return yield* domains.errors.invalid(operation, `${volume.path} already holds a different volume`)
    }
    yield* Effect.promise(() => mkdir(dirname(volume.path), { recursive: true }))
    const backing =
      volume.backingPath === undefined
        ? []
        : ["-b", resolve(volume.backingPath), "-F", volume.backingFormat ?? volume.format]
    yield* qemuImg.run(operation, ["create", "-q", "-f", volume.format, ...backing, volume.path, `${volume.sizeGiB}G`])
  }),

  remove: Effect.fn("QemuDriver.volumes.remove")(function* (path: string) {
    const operation = "volumes.remove"
    const user = domains.all().find((domain) => domain.definition.spec.disks.some((disk) => disk.path === path))
    if (user) return yield* domains.errors.invalid(operation, `${path} is a disk of ${user.definition.spec.name}`)
    yield* Effect.tryPromise({
      try: () => rm(path, { force: true }),
      catch: (cause) => domains.errors.failure(operation, `cannot delete ${path}: ${String(cause)}`, false),
    })
  }),
})
