import { existsSync } from "node:fs"
import { mkdir, rm } from "node:fs/promises"
import { dirname, resolve } from "node:path"
import { Effect } from "effect"
import type { VolumeSpec } from "../../../core/driver/driver.ts"
import { volumeSpecProblem } from "../../../core/driver/volume-spec.ts"
import type { Domains } from "./domains.ts"
import type { QemuImg } from "./image.ts"

const GiB = 1024 ** 3

/**
 * Restore: `qemu-img convert` reads the backup through its backing chain (the earlier backups) and writes one
 * standalone image, grown to the asked size when the backup is smaller. A missing link of the chain, a target that
 * exists, or a size that would cut the backup is refused; a failed copy leaves no target file behind.
 */
export const makeRestore = (domains: Domains, qemuImg: QemuImg) => {
  const { errors } = domains
  return Effect.fn("QemuDriver.backups.restore")(function* (backup: string, target: VolumeSpec) {
    const operation = "backups.restore"
    const problem = volumeSpecProblem(target)
    if (problem) return yield* errors.invalid(operation, problem)
    if (target.backingPath !== undefined)
      return yield* errors.invalid(operation, "a restored volume stands alone: no backing path")
    const info = yield* qemuImg.info(operation, backup)
    if (!info) return yield* errors.invalid(operation, `${backup} does not exist`)
    if (info.format !== "qcow2") return yield* errors.invalid(operation, `${backup} is ${info.format}, not a backup`)
    const path = resolve(target.path)
    if (existsSync(path)) return yield* errors.invalid(operation, `${path} already exists`)
    const sizeBytes = target.sizeGiB * GiB
    if (info.virtualSize > sizeBytes)
      return yield* errors.invalid(
        operation,
        `${backup} holds ${info.virtualSize} bytes, more than ${target.sizeGiB} GiB`,
      )
    // Every link of the chain must open: qemu-img names the one that is missing.
    yield* qemuImg
      .run(operation, ["info", "-U", "--backing-chain", "--output=json", backup])
      .pipe(Effect.mapError((error) => errors.invalid(operation, `${backup} cannot be read: ${error.message}`)))
    yield* Effect.gen(function* () {
      yield* Effect.tryPromise({
        try: () => mkdir(dirname(path), { recursive: true, mode: 0o700 }),
        catch: (cause) => errors.failure(operation, `cannot make the folder of ${path}: ${String(cause)}`, false),
      })
      yield* qemuImg.run(operation, ["convert", "-U", "-f", "qcow2", "-O", target.format, backup, path])
      if (info.virtualSize < sizeBytes) {
        yield* qemuImg.run(operation, ["resize", "-q", "-f", target.format, path, String(sizeBytes)])
      }
    }).pipe(Effect.onError(() => Effect.promise(() => rm(path, { force: true }))))
  })
}
