import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Effect, Schema } from "effect"
import type { DriverError } from "../../../core/driver/errors.ts"
import { VmSpec } from "../../../core/driver/spec.ts"
import type { Errors } from "./errors.ts"

/** What the driver keeps per domain across agent restarts. */
export const Definition = Schema.Struct({
  spec: VmSpec,
  /** A memory snapshot reverted to while stopped: the next start loads it instead of booting (P4). */
  resumeSnapshot: Schema.NullOr(Schema.String),
})
export type Definition = typeof Definition.Type

const DefinitionJson = Schema.fromJsonString(Definition)
const decode = Schema.decodeUnknownEffect(DefinitionJson)

const fileOf = (dir: string, name: string) => join(dir, `${name}.json`)

/** One JSON file per domain, replaced atomically (write a temporary file, then rename over the old one). */
export interface DefinitionStore {
  readonly loadAll: Effect.Effect<ReadonlyArray<Definition>>
  readonly save: (operation: string, definition: Definition) => Effect.Effect<void, DriverError>
  readonly remove: (operation: string, name: string) => Effect.Effect<void, DriverError>
}

export const makeDefinitionStore = (dir: string, errors: Errors): DefinitionStore => {
  const fsFailure = (operation: string) => (cause: unknown) =>
    errors.failure(operation, `cannot write the definition store ${dir}: ${String(cause)}`, true)

  // A file that does not decode is left alone and skipped: one bad file must not keep the agent from starting.
  const loadOne = (file: string) =>
    Effect.promise(() => readFile(join(dir, file), "utf8")).pipe(
      Effect.flatMap(decode),
      Effect.tapError((issue) => Effect.logWarning(`qemu driver: skipping ${join(dir, file)}: ${issue.message}`)),
      Effect.option,
    )

  return {
    loadAll: Effect.gen(function* () {
      const files = yield* Effect.promise(() => readdir(dir).catch(() => [] as Array<string>))
      const loaded = yield* Effect.forEach(
        files.filter((file) => file.endsWith(".json")),
        loadOne,
      )
      return loaded.flatMap((option) => (option._tag === "Some" ? [option.value] : []))
    }),
    save: (operation, definition) =>
      Effect.tryPromise({
        try: async () => {
          await mkdir(dir, { recursive: true, mode: 0o700 })
          const target = fileOf(dir, definition.spec.name)
          const temporary = `${target}.${process.pid}.tmp`
          await writeFile(temporary, `${JSON.stringify(definition, null, 2)}\n`)
          await rename(temporary, target)
        },
        catch: fsFailure(operation),
      }),
    remove: (operation, name) =>
      Effect.tryPromise({ try: () => rm(fileOf(dir, name), { force: true }), catch: fsFailure(operation) }),
  }
}
