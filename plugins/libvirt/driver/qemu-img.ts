import { Effect, Exit, Schema } from "effect"
import type { HostCommands } from "../../host-commands/host-commands.ts"
import type { RunQemuImg } from "../../qemu/image-check.ts"

const ImageInfo = Schema.fromJsonString(
  Schema.Struct({
    format: Schema.String,
    "virtual-size": Schema.Number,
    "backing-filename": Schema.optionalKey(Schema.String),
    snapshots: Schema.optionalKey(Schema.Array(Schema.Struct({ name: Schema.String, "vm-state-size": Schema.Number }))),
  }),
)

/** qemu-img for the files libvirt's domains use, run through the host commands (`plugins/host-commands`). */
export interface QemuImg {
  /** `qemu-img <args>`'s stdout, or its error message. */
  readonly run: (args: ReadonlyArray<string>) => Effect.Effect<string, string>
  /** `qemu-img <args>` with its exit code, for commands whose exit code carries the answer (`check`). */
  readonly outcome: RunQemuImg
  /** Format, size, backing file and internal snapshots; undefined when the file cannot be read. `-U`: a running QEMU may hold it. */
  readonly info: (path: string) => Effect.Effect<typeof ImageInfo.Type | undefined>
  /** Saved-memory bytes per internal snapshot of a qcow2 image (empty when it cannot be read). */
  readonly snapshotSizes: (path: string) => Effect.Effect<ReadonlyMap<string, number>>
}

export const makeQemuImg = (commands: HostCommands): QemuImg => {
  const outcome = (args: ReadonlyArray<string>) => commands.run("qemu-img", args, { env: { LC_ALL: "C" } })
  const run = (args: ReadonlyArray<string>) =>
    outcome(args).pipe(
      Effect.mapError((failure) => failure.message),
      Effect.flatMap(({ stdout, stderr, code, signal }) =>
        code === 0 ? Effect.succeed(stdout) : Effect.fail(stderr.trim() || `qemu-img exited with ${signal ?? code}`),
      ),
    )
  const info = (path: string) =>
    run(["info", "-U", "--output=json", path]).pipe(
      Effect.map((output) => {
        const decoded = Schema.decodeUnknownExit(ImageInfo)(output)
        return Exit.isSuccess(decoded) ? decoded.value : undefined
      }),
      Effect.orElseSucceed(() => undefined),
    )
  const snapshotSizes = (path: string) =>
    info(path).pipe(
      Effect.map(
        (found) => new Map((found?.snapshots ?? []).map((snapshot) => [snapshot.name, snapshot["vm-state-size"]])),
      ),
    )
  return { run, outcome, info, snapshotSizes }
}
