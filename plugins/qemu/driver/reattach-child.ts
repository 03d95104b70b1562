/**
 * Test fixture for the re-attach and backup-crash tests: an "agent" process that makes a driver, starts a VM and then
 * does nothing until it is killed. Arguments: the state folder, the VM's spec as JSON (its disks must exist), and
 * optionally a backup target: then, once started, it backs up the VM's data disk `d1` there (chain "c1") and says
 * "copied" if nobody killed it first.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import type { VmSpec } from "../../../core/driver/spec.ts"
import { makeQemuDriver } from "./driver.ts"

const [stateDir, specJson, backupTarget] = process.argv.slice(2)
if (stateDir === undefined || specJson === undefined)
  throw new Error("usage: reattach-child.ts STATE_DIR SPEC_JSON [BACKUP_TARGET]")
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
      if (backupTarget !== undefined) {
        yield* driver.backups.full(spec.name, "d1", backupTarget, { chain: "c1" })
        process.stdout.write("copied\n")
      }
      yield* Effect.never
    }),
  ),
)
