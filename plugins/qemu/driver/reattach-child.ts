/**
 * Test fixture for the re-attach acceptance test: an "agent" process that makes a driver, starts a VM and then does
 * nothing until it is killed. Arguments: the state folder and the VM's spec as JSON (its system disk must exist).
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import type { VmSpec } from "../../../core/driver/spec.ts"
import { makeQemuDriver } from "./driver.ts"

const [stateDir, specJson] = process.argv.slice(2)
if (stateDir === undefined || specJson === undefined) throw new Error("usage: reattach-child.ts STATE_DIR SPEC_JSON")
const spec = JSON.parse(specJson) as VmSpec

// The driver's scope stays open until the process dies: nothing here ever closes it.
const runtime = ManagedRuntime.make(Layer.empty)
await runtime.runPromise(
  Effect.scoped(
    Effect.gen(function* () {
      const driver = yield* makeQemuDriver({ stateDir, accel: "tcg" })
      yield* driver.define(spec)
      yield* driver.start(spec.name)
      const info = yield* driver.inspect(spec.name)
      process.stdout.write(`started ${info.pid}\n`)
      yield* Effect.never
    }),
  ),
)
