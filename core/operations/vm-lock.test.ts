import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { RuleViolation } from "../errors.ts"
import { sampleVm, sampleVmContext } from "../rules/testing.ts"
import { VmLocks } from "./vm-lock.ts"

const run = <A, E>(effect: Effect.Effect<A, E, VmLocks>) => Effect.runPromise(Effect.provide(effect, VmLocks.layer))
const vm = sampleVm()
const context = sampleVmContext({ vm })

describe("VM locks", () => {
  it("G4 a free lock untouched since its generation was read is taken; held, it is refused with vm-busy", () =>
    run(
      Effect.gen(function* () {
        const locks = yield* VmLocks
        const since = yield* locks.generation(vm.id)
        assert.equal(yield* locks.tryAcquire(vm.id, since), true)
        assert.equal(locks.isHeld(vm.id), true)
        assert.equal(yield* locks.tryAcquire(vm.id), false)
        const busy = yield* Effect.flip(locks.acquire("snapshot.create", context))
        assert.ok(busy instanceof RuleViolation)
        assert.equal(busy.rule, "vm-busy")
        yield* locks.release(vm.id)
        assert.equal(locks.isHeld(vm.id), false)
      }),
    ))

  it("G4 a lock taken and freed since a generation was read is not taken with it: what was read may be stale", () =>
    run(
      Effect.gen(function* () {
        const locks = yield* VmLocks
        const since = yield* locks.generation(vm.id)
        yield* locks.acquire("disk.backup", context)
        yield* locks.release(vm.id)
        assert.equal(yield* locks.tryAcquire(vm.id, since), false, "someone held it in between")
        assert.equal(locks.isHeld(vm.id), false)
        const before = yield* locks.generation(vm.id)
        assert.equal(yield* locks.tryAcquire(vm.id, before), true)
        yield* locks.release(vm.id)
        yield* locks.release(vm.id)
        assert.equal(yield* locks.generation(vm.id), before + 2, "taken once, freed once")
        assert.equal(yield* locks.generation("another-vm"), 0, "another VM's lock is its own")
      }),
    ))
})
