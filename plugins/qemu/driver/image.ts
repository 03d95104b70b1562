import { execFile } from "node:child_process"
import { Effect, Schema } from "effect"
import type { DriverError } from "../../../core/driver/errors.ts"
import { ImageInfo } from "../qmp/commands/block.ts"
import type { Errors } from "./errors.ts"

/** qemu-img, for disk files whose QEMU is not running (or read with -U while it is). */
export interface QemuImg {
  readonly run: (operation: string, args: ReadonlyArray<string>) => Effect.Effect<string, DriverError>
  /** The image's format, size, backing file and internal snapshots; undefined when the file is not there. */
  readonly info: (operation: string, path: string) => Effect.Effect<ImageInfo | undefined, DriverError>
}

const decodeInfo = Schema.decodeUnknownEffect(Schema.fromJsonString(ImageInfo))

export const makeQemuImg = (binary: string, errors: Errors): QemuImg => {
  const run = (operation: string, args: ReadonlyArray<string>) =>
    Effect.callback<string, DriverError>((resume) => {
      const child = execFile(
        binary,
        [...args],
        { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error === null) return resume(Effect.succeed(stdout))
          const detail = (stderr || error.message).trim()
          // Another process still holds the image (a QEMU that is exiting): trying again helps.
          resume(Effect.fail(errors.failure(operation, `qemu-img ${args[0]}: ${detail}`, /lock/i.test(detail))))
        },
      )
      return Effect.sync(() => void child.kill("SIGKILL"))
    })

  return {
    run,
    info: (operation, path) =>
      run(operation, ["info", "--output=json", "-U", path]).pipe(
        Effect.flatMap((text) =>
          decodeInfo(text).pipe(
            Effect.mapError((issue) => errors.failure(operation, `qemu-img info ${path}: ${issue.message}`, false)),
          ),
        ),
        Effect.map((info): ImageInfo | undefined => info),
        Effect.catchIf(
          (error) => error.reason._tag === "HypervisorFailure" && /No such file or directory/.test(error.message),
          () => Effect.succeed(undefined),
        ),
      ),
  }
}
