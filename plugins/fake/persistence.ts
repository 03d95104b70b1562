import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import { Effect, Schema } from "effect"
import { DriverError, HypervisorFailure } from "../../core/driver/errors.ts"
import { FakeState } from "./state.ts"

const StateJson = Schema.fromJsonString(FakeState)

const failure = (driver: string, operation: string, message: string) =>
  new DriverError({ driver, operation, reason: new HypervisorFailure({ message, retryable: false }) })

const emptyState: FakeState = { format: "hyperx-fake/1", domains: [], volumes: [] }

/** The domains and volumes an earlier instance left in `file`; none when the file does not exist yet. */
export const loadState = (driver: string, file: string): Effect.Effect<FakeState, DriverError> =>
  Effect.gen(function* () {
    if (!existsSync(file)) return emptyState
    const text = yield* Effect.try({
      try: () => readFileSync(file, "utf8"),
      catch: (cause) => failure(driver, "load", `cannot read ${file}: ${String(cause)}`),
    })
    const state = yield* Schema.decodeUnknownEffect(StateJson)(text).pipe(
      Effect.mapError((issue) => failure(driver, "load", `${file} is not a fake driver state: ${issue.message}`)),
    )
    return state
  })

let writes = 0

/**
 * Replaces `file` with the given state. Synchronous on purpose: when a call returns, its change is on disk, so a
 * SIGKILL right after loses nothing. The temp file + rename keeps a reader from ever seeing half a file.
 */
export const saveState = (
  driver: string,
  operation: string,
  file: string,
  state: FakeState,
): Effect.Effect<void, DriverError> =>
  Effect.gen(function* () {
    const text = yield* Schema.encodeEffect(StateJson)(state).pipe(
      Effect.mapError((issue) => failure(driver, operation, `cannot encode state: ${issue.message}`)),
    )
    yield* Effect.try({
      try: () => {
        mkdirSync(dirname(file), { recursive: true })
        writes += 1
        const temp = `${file}.${process.pid}.${writes}.tmp`
        writeFileSync(temp, text)
        renameSync(temp, file)
      },
      catch: (cause) => failure(driver, operation, `cannot write ${file}: ${String(cause)}`),
    })
  })
