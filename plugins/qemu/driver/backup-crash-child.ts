/**
 * Test fixture for the backup crash test (#14): an "agent" process that makes a driver, starts a VM, says so, then
 * backs up its data disk `d1` into the target and says "copied" if nobody killed it first. Arguments: the state
 * folder, the VM's spec as JSON (its disks must exist) and the backup's target.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import type { VmSpec } from "../../../core/driver/spec.ts"
import { makeQemuDriver } from "./driver.ts"

const [stateDir, specJson, target] = process.argv.slice(2)
if (stateDir === undefined || specJson === undefined || target === undefined)
  throw new Error("usage: backup-crash-child.ts STATE_DIR SPEC_JSON TARGET")
const spec = JSON.parse(specJson) as VmSpec

const runtime = ManagedRuntime.make(Layer.empty)
await runtime.runPromise(
  Effect.scoped(
    Effect.gen(function* () {
      const driver = yield* makeQemuDriver({ stateDir, accel: "tcg" })
      yield* driver.define(spec)
      yield* driver.start(spec.name)
      process.stdout.write("started\n")
      yield* driver.backups.full(spec.name, "d1", target, { chain: "c1" })
      process.stdout.write("copied\n")
      yield* Effect.never
    }),
  ),
)
