import { Effect } from "effect"
import { defineCase } from "../case.ts"
import type { TestVm } from "../context.ts"
import { check } from "../failure.ts"
import { markGuest } from "./lifecycle.ts"

export const reattachCases = [
  defineCase({
    id: "reattach.running-vm",
    capability: "reattach",
    title: "a domain keeps running when its driver instance is dropped; a new instance finds it running and stops it",
    run: (t) =>
      Effect.gen(function* () {
        let made: TestVm | undefined
        // Whatever instance built it is gone by then: a fresh one removes the domain if the case fails half-way.
        yield* Effect.addFinalizer(() => {
          const leftover = made
          if (leftover === undefined) return Effect.void
          return Effect.scoped(t.factory.pipe(Effect.flatMap((fresh) => t.removeVm(fresh, leftover)))).pipe(
            Effect.ignore,
          )
        })
        const { vm, marks, pid } = yield* Effect.scoped(
          Effect.gen(function* () {
            const first = yield* t.step("build the first driver instance", t.factory)
            const vm = yield* t.createVm(first)
            made = vm
            yield* t.start(vm.name, first)
            const marks = yield* markGuest(t, vm.name, "reattach", first)
            const info = yield* t.step("inspect", first.inspect(vm.name))
            return { vm, marks, pid: info.pid }
          }),
        )

        const second = yield* t.step("build a second driver instance", t.factory)
        const info = yield* t.step("inspect with the new instance", second.inspect(vm.name))
        yield* check(info.power === "running", `after the first instance was dropped ${vm.name} is ${info.power}`)
        yield* check(info.pid === pid, `the domain's process changed from ${pid} to ${info.pid}`)
        const listed = yield* t.step("list with the new instance", second.list())
        yield* check(
          listed.some((other) => other.name === vm.name && other.power === "running"),
          `the new instance does not list ${vm.name} as running`,
        )
        yield* t.ready(vm.name, second)
        const ram = yield* t.guest("read the RAM marker", (probe, on) => probe.read(on, vm.name, marks.ram), second)
        yield* check(ram === "reattach", "the guest was restarted when the driver instance was dropped")

        yield* t.step("force stop with the new instance", second.shutdown(vm.name, { force: true, timeoutMs: 0 }))
        yield* check((yield* t.power(vm.name, second)) === "stopped", `the new instance could not stop ${vm.name}`)
        yield* t.step("undefine with the new instance", second.undefine(vm.name))
      }),
  }),
]
