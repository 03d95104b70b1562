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
  /** The persistent dirty bitmaps stored in a qcow2 image (none for a missing file or another format). */
  readonly bitmaps: (operation: string, path: string) => Effect.Effect<ReadonlyArray<string>, DriverError>
}

const decodeInfo = Schema.decodeUnknownEffect(Schema.fromJsonString(ImageInfo))

const BitmapsInfo = Schema.Struct({
  formatSpecific: Schema.optionalKey(
    Schema.Struct({
      data: Schema.Struct({ bitmaps: Schema.optionalKey(Schema.Array(Schema.Struct({ name: Schema.String }))) }),
    }),
  ),
}).pipe(Schema.encodeKeys({ formatSpecific: "format-specific" }))
const decodeBitmaps = Schema.decodeUnknownEffect(Schema.fromJsonString(BitmapsInfo))

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

  const infoAs = <A>(operation: string, path: string, decode: (text: string) => Effect.Effect<A, Schema.SchemaError>) =>
    run(operation, ["info", "--output=json", "-U", path]).pipe(
      Effect.flatMap((text) =>
        decode(text).pipe(
          Effect.mapError((issue) => errors.failure(operation, `qemu-img info ${path}: ${issue.message}`, false)),
        ),
      ),
      Effect.map((info): A | undefined => info),
      Effect.catchIf(
        (error) => error.reason._tag === "HypervisorFailure" && /No such file or directory/.test(error.message),
        () => Effect.succeed(undefined),
      ),
    )

  return {
    run,
    info: (operation, path) => infoAs(operation, path, decodeInfo),
    bitmaps: (operation, path) =>
      infoAs(operation, path, decodeBitmaps).pipe(
        Effect.map((info) => (info?.formatSpecific?.data.bitmaps ?? []).map((bitmap) => bitmap.name)),
      ),
  }
}
