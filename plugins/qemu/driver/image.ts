import { Effect, Schema } from "effect"
import type { DriverError } from "../../../core/driver/errors.ts"
import type { HostCommands } from "../../host-commands/host-commands.ts"
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

export const makeQemuImg = (binary: string, errors: Errors, commands: HostCommands): QemuImg => {
  const run = (operation: string, args: ReadonlyArray<string>) =>
    commands.run(binary, args).pipe(
      Effect.mapError((failure) => errors.failure(operation, `qemu-img ${args[0]}: ${failure.message}`, false)),
      Effect.flatMap(({ stdout, stderr, code, signal }) => {
        if (code === 0) return Effect.succeed(stdout)
        const detail = stderr.trim() || `exited with ${signal ?? code}`
        // Another process still holds the image (a QEMU that is exiting): trying again helps.
        return Effect.fail(errors.failure(operation, `qemu-img ${args[0]}: ${detail}`, /lock/i.test(detail)))
      }),
    )

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
