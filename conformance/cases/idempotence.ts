import { join } from "node:path"
import { Effect } from "effect"
import { defineCase } from "../case.ts"
import { check } from "../failure.ts"
import { markGuest } from "./lifecycle.ts"

/** Repeated calls have defined outcomes: the contract makes each of these a no-op, never an error. */
export const idempotenceCases = [
  defineCase({
    id: "idempotence.stop-stopped",
    capability: "lifecycle",
    title: "stopping a stopped domain, forced or graceful, succeeds and changes nothing",
    run: (t) =>
      Effect.gen(function* () {
        const vm = yield* t.vm()
        yield* t.step("force stop a stopped domain", t.driver.shutdown(vm.name, { force: true, timeoutMs: 0 }))
        yield* t.step("gracefully stop a stopped domain", t.driver.shutdown(vm.name, { force: false, timeoutMs: 1 }))
        yield* check((yield* t.power(vm.name)) === "stopped", `${vm.name} is no longer stopped`)
        // Stopped twice while its guest still boots: the stops are what is checked, the guest is never used.
        yield* t.powerOn(vm.name)
        yield* t.step("force stop", t.driver.shutdown(vm.name, { force: true, timeoutMs: 0 }))
        yield* t.step("force stop again", t.driver.shutdown(vm.name, { force: true, timeoutMs: 0 }))
        yield* check((yield* t.power(vm.name)) === "stopped", `${vm.name} is not stopped after two stops`)
      }),
  }),

  defineCase({
    id: "idempotence.start-running",
    capability: "lifecycle",
    title: "starting a running domain succeeds and leaves the guest alone (same process, RAM kept)",
    run: (t) =>
      Effect.gen(function* () {
        const vm = yield* t.vm({ shared: true })
        const before = yield* t.step("inspect", t.driver.inspect(vm.name))
        const marks = yield* markGuest(t, vm.name, "start-again")
        yield* t.step("start a running domain", t.driver.start(vm.name))
        const after = yield* t.step("inspect", t.driver.inspect(vm.name))
        yield* check(after.power === "running", `${vm.name} is ${after.power} after a second start`)
        yield* check(after.pid === before.pid, `a second start changed the process from ${before.pid} to ${after.pid}`)
        const ram = yield* t.guest("read the RAM marker", (probe, driver) => probe.read(driver, vm.name, marks.ram))
        yield* check(ram === "start-again", "a second start rebooted the guest: its RAM marker is gone")
      }),
  }),

  defineCase({
    id: "idempotence.define-undefine",
    capability: "lifecycle",
    title: "defining the same spec again replaces it; undefining twice and removing a missing disk succeed",
    run: (t) =>
      Effect.gen(function* () {
        const vm = yield* t.vm()
        yield* t.step("define the same spec again", t.driver.define(vm.spec))
        const listed = yield* t.step("list", t.driver.list())
        const copies = listed.filter((other) => other.name === vm.name).length
        yield* check(copies === 1, `list shows ${vm.name} ${copies} times after a second define`)
        yield* t.step("undefine", t.driver.undefine(vm.name))
        yield* t.step("undefine again", t.driver.undefine(vm.name))
        const missing = join(t.tracker.runDir, "never-created.qcow2")
        yield* t.step("remove a disk that does not exist", t.driver.volumes.remove(missing))
      }),
  }),
]
