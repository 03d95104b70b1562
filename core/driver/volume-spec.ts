import { resolve } from "node:path"
import type { VolumeSpec } from "./driver.ts"

/**
 * Why a volume spec cannot be made, whatever the storage behind it; undefined when it can. Every driver refuses such
 * a spec from `volumes.create` (and a restore target) as an invalid request, with this reason.
 */
export const volumeSpecProblem = (volume: VolumeSpec): string | undefined => {
  if (volume.path === "") return "the volume path is empty"
  if (!Number.isInteger(volume.sizeGiB) || volume.sizeGiB <= 0) return `volume size ${volume.sizeGiB} GiB is not valid`
  if (volume.backingFormat !== undefined && volume.backingPath === undefined)
    return "a backing format needs a backing path"
  if (volume.backingPath !== undefined && resolve(volume.backingPath) === resolve(volume.path)) {
    return `${volume.path} cannot back itself`
  }
  return undefined
}
