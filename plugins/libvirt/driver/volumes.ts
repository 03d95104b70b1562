import { mkdir, rm } from "node:fs/promises"
import { dirname, resolve } from "node:path"
import { Effect } from "effect"
import type { VolumeSpec } from "../../../core/driver/driver.ts"
import { volumeSpecProblem } from "../../../core/driver/volume-spec.ts"
import { parseDisks } from "../virsh/xml-read.ts"
import { MANAGED_TITLE } from "../xml/options.ts"
import type { DriverContext } from "./context.ts"
import { unreachableFolders } from "./paths.ts"

const GiB = 1024 ** 3

/**
 * Disk files with qemu-img, as the QEMU driver makes them: an empty image, or a copy-on-write overlay of a base image.
 * libvirt gives each file to QEMU's user at start (and the base image read-only), so the folders above both must be
 * searchable by others; a create refuses what QEMU could not open. The same volume again is a no-op, a different one
 * at a taken path is refused; a remove is refused while one of our domains lists the file.
 */
export const makeVolumes = (ctx: DriverContext) => {
  const { errors } = ctx
  const create = Effect.fn("LibvirtDriver.volumes.create")(function* (volume: VolumeSpec) {
    const operation = "volumes.create"
    const problem = volumeSpecProblem(volume)
    if (problem !== undefined) return yield* errors.invalid(operation, problem)
    const existing = yield* ctx.qemuImg.info(volume.path)
    if (existing !== undefined) {
      const same =
        existing.format === volume.format &&
        existing["virtual-size"] === volume.sizeGiB * GiB &&
        (volume.backingPath === undefined
          ? existing["backing-filename"] === undefined
          : existing["backing-filename"] !== undefined &&
            resolve(existing["backing-filename"]) === resolve(volume.backingPath))
      if (same) return
      return yield* errors.invalid(operation, `${volume.path} already holds a different volume`)
    }
    yield* Effect.promise(() => mkdir(dirname(volume.path), { recursive: true, mode: 0o755 }))
    const blocked = [volume.path, ...(volume.backingPath === undefined ? [] : [volume.backingPath])].flatMap(
      unreachableFolders,
    )
    if (blocked.length > 0) {
      return yield* errors.invalid(
        operation,
        `QEMU's unprivileged user could not reach ${volume.path}: give ${[...new Set(blocked)].join(", ")} the search bit (chmod o+x)`,
      )
    }
    const backing =
      volume.backingPath === undefined
        ? []
        : ["-b", resolve(volume.backingPath), "-F", volume.backingFormat ?? volume.format]
    yield* ctx.qemuImg
      .run(["create", "-q", "-f", volume.format, ...backing, volume.path, `${volume.sizeGiB}G`])
      .pipe(Effect.catch((message) => errors.invalid(operation, `qemu-img create ${volume.path}: ${message}`)))
  })

  const remove = Effect.fn("LibvirtDriver.volumes.remove")(function* (path: string) {
    const operation = "volumes.remove"
    const listed = yield* ctx.call(operation, "", ctx.client.listDomains())
    for (const domain of listed.filter((candidate) => candidate.title === MANAGED_TITLE)) {
      const xml = yield* ctx.client.dumpXml(domain.name, { inactive: true }).pipe(Effect.orElseSucceed(() => ""))
      if (parseDisks(xml).some((disk) => disk.source !== undefined && resolve(disk.source) === resolve(path))) {
        return yield* errors.invalid(operation, `${path} is a disk of ${domain.name}`)
      }
    }
    yield* Effect.tryPromise({
      try: () => rm(path, { force: true }),
      catch: (cause) => cause,
    }).pipe(Effect.catch((cause) => errors.failure(operation, `cannot delete ${path}: ${String(cause)}`, false)))
  })

  return { create, remove }
}
