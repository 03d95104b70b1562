import { isDeepStrictEqual } from "node:util"
import { Effect } from "effect"
import type { Driver, VolumeSpec } from "../../core/driver/driver.ts"
import { volumeSpecProblem } from "../../core/driver/volume-spec.ts"
import type { Hypervisor } from "./hypervisor.ts"
import type { VolumeRecord } from "./state.ts"

/**
 * Disk files, kept as records only: the fake writes no image files and does not check that a backing image exists.
 * Creating the same volume again (format, size, backing: what QEMU's qemu-img compares; its content is not looked at,
 * so a full copy written there first stays) succeeds; a different one at a taken path, or removing a volume a
 * defined domain still uses, is refused. Removing a path that holds no volume succeeds.
 */
/** A volume's spec without what it holds. */
const shapeOf = ({ files: _files, deleted: _deleted, ...shape }: VolumeRecord) => shape

export const makeVolumes = (hv: Hypervisor): Driver["volumes"] => ({
  create: Effect.fn("FakeDriver.volumes.create")(function* (volume: VolumeSpec) {
    const problem = volumeSpecProblem(volume)
    if (problem) return yield* hv.invalid("volumes.create", problem)
    const record: VolumeRecord = {
      path: volume.path,
      format: volume.format,
      sizeGiB: volume.sizeGiB,
      ...(volume.backingPath === undefined ? {} : { backingPath: volume.backingPath }),
      ...(volume.backingFormat === undefined ? {} : { backingFormat: volume.backingFormat }),
    }
    const existing = hv.findVolume(volume.path)
    if (existing && isDeepStrictEqual(shapeOf(existing), record)) return
    if (existing) return yield* hv.invalid("volumes.create", `${volume.path} already holds a different volume`)
    yield* hv.putVolume("volumes.create", record)
  }),

  remove: Effect.fn("FakeDriver.volumes.remove")(function* (path: string) {
    const user = hv.all().find((record) => record.spec.disks.some((disk) => disk.path === path))
    if (user) return yield* hv.invalid("volumes.remove", `${path} is a disk of ${user.spec.name}`)
    yield* hv.removeVolume("volumes.remove", path)
  }),
})
