import { Effect } from "effect"
import { defineCase } from "../case.ts"
import type { CaseContext } from "../context.ts"
import { check, fail } from "../failure.ts"
import { seeProcess, stillRuns } from "../host.ts"
import { waitUntil } from "../wait.ts"

/** Writes a marker in guest RAM and one on its disk; `survived` later tells which of them a change kept. */
export const markGuest = (t: CaseContext, name: string, tag: string, driver = t.driver) =>
  Effect.gen(function* () {
    const ram = `${t.config.guest.ramDir}/hxc-${tag}`
    const disk = `${t.config.guest.diskDir}/hxc-${tag}`
    yield* t.guest(`write ${ram}`, (probe, on) => probe.write(on, name, ram, tag), driver)
    yield* t.guest(`write ${disk}`, (probe, on) => probe.write(on, name, disk, tag), driver)
    return { ram, disk }
  })

/** Waits until the RAM marker is gone (the guest really went through a cold boot) and the disk marker is still there. */
const awaitColdBoot = (t: CaseContext, name: string, marks: { readonly ram: string; readonly disk: string }) =>
  Effect.gen(function* () {
    yield* waitUntil(
      `${name}'s RAM to be cleared by the reboot`,
      t
        .guest(`read ${marks.ram}`, (probe, driver) => probe.read(driver, name, marks.ram))
        .pipe(Effect.flatMap((content) => (content === undefined ? Effect.void : fail(`${marks.ram} is still there`)))),
      { timeoutMs: t.config.timeouts.bootMs, pollMs: t.config.timeouts.pollMs },
    )
    yield* t.ready(name)
    const disk = yield* t.guest(`read ${marks.disk}`, (probe, driver) => probe.read(driver, name, marks.disk))
    yield* check(disk !== undefined, `${marks.disk} was lost: the disk did not survive the reboot`)
    yield* check((yield* t.power(name)) === "running", `${name} is not running after the reboot`)
  })

const pidOf = (t: CaseContext, name: string) =>
  t.step(`inspect ${name}`, t.driver.inspect(name)).pipe(Effect.map((info) => info.pid))

export const lifecycleCases = [
  defineCase({
    id: "lifecycle.define",
    capability: "lifecycle",
    title: "define makes a stopped domain that inspect and list show; undefine forgets it",
    run: (t) =>
      Effect.gen(function* () {
        const vm = yield* t.vm()
        const info = yield* t.step("inspect", t.driver.inspect(vm.name))
        yield* check(info.name === vm.name && info.power === "stopped", `inspect says ${info.name} is ${info.power}`)
        const listed = yield* t.step("list", t.driver.list())
        yield* check(
          listed.some((other) => other.name === vm.name && other.power === "stopped"),
          `list does not show ${vm.name} as stopped`,
        )
        yield* t.step("undefine", t.driver.undefine(vm.name))
        yield* t.refuses("inspect after undefine", t.driver.inspect(vm.name), ["DomainNotFound"])
        const after = yield* t.step("list after undefine", t.driver.list())
        yield* check(!after.some((other) => other.name === vm.name), `list still shows ${vm.name} after undefine`)
      }),
  }),

  defineCase({
    id: "lifecycle.start",
    capability: "lifecycle",
    title: "start powers the domain on, list shows it running, and its guest boots",
    run: (t) =>
      Effect.gen(function* () {
        const vm = yield* t.vm({ shared: true })
        const listed = yield* t.step("list", t.driver.list())
        yield* check(
          listed.some((other) => other.name === vm.name && other.power === "running"),
          `list does not show ${vm.name} as running`,
        )
        const pid = yield* pidOf(t, vm.name)
        if (pid !== undefined)
          yield* check(stillRuns(seeProcess(pid)), `inspect names process ${pid}, which does not run`)
      }),
  }),

  defineCase({
    id: "lifecycle.force-stop",
    capability: "lifecycle",
    title: "a forced shutdown cuts power at once: the domain is stopped and its process is gone",
    run: (t) =>
      Effect.gen(function* () {
        const vm = yield* t.vm({ start: true })
        const pid = yield* pidOf(t, vm.name)
        yield* t.step("force stop", t.driver.shutdown(vm.name, { force: true, timeoutMs: 0 }))
        yield* check((yield* t.power(vm.name)) === "stopped", `${vm.name} is not stopped after a forced shutdown`)
        if (pid !== undefined) {
          const seen = seeProcess(pid)
          yield* waitUntil(
            `process ${pid} to exit`,
            Effect.suspend(() => (stillRuns(seen) ? fail("it still runs") : Effect.void)),
            { timeoutMs: t.config.timeouts.operationMs, pollMs: t.config.timeouts.pollMs },
          )
        }
      }),
  }),

  defineCase({
    id: "lifecycle.graceful-stop",
    capability: "gracefulShutdown",
    title: "a graceful shutdown asks the guest to power off; what it wrote to disk is there at the next start",
    run: (t) =>
      Effect.gen(function* () {
        const vm = yield* t.vm({ shared: true })
        const marks = yield* markGuest(t, vm.name, "graceful")
        const { gracefulShutdownMs, operationMs } = t.config.timeouts
        yield* t.step(
          "graceful shutdown",
          t.driver.shutdown(vm.name, { force: false, timeoutMs: gracefulShutdownMs }),
          gracefulShutdownMs + operationMs,
        )
        yield* check((yield* t.power(vm.name)) === "stopped", `${vm.name} is not stopped after a graceful shutdown`)
        yield* t.start(vm.name)
        const disk = yield* t.guest("read the disk marker", (probe, driver) => probe.read(driver, vm.name, marks.disk))
        yield* check(disk === "graceful", `after a graceful stop and start, ${marks.disk} holds ${String(disk)}`)
      }),
  }),

  defineCase({
    id: "lifecycle.reboot",
    capability: "gracefulShutdown",
    title: "a graceful reboot restarts the guest (RAM cleared, disk kept) and leaves the domain running",
    run: (t) =>
      Effect.gen(function* () {
        const vm = yield* t.vm({ shared: true })
        const marks = yield* markGuest(t, vm.name, "reboot")
        const { gracefulShutdownMs, operationMs } = t.config.timeouts
        yield* t.step("graceful reboot", t.driver.reboot(vm.name, { force: false }), gracefulShutdownMs + operationMs)
        yield* awaitColdBoot(t, vm.name, marks)
      }),
  }),

  defineCase({
    id: "lifecycle.force-reset",
    capability: "lifecycle",
    title: "a forced reboot resets the guest at once (RAM cleared, disk kept) and leaves the domain running",
    run: (t) =>
      Effect.gen(function* () {
        const vm = yield* t.vm({ shared: true })
        const marks = yield* markGuest(t, vm.name, "reset")
        yield* t.step("forced reboot", t.driver.reboot(vm.name, { force: true }))
        yield* awaitColdBoot(t, vm.name, marks)
      }),
  }),

  defineCase({
    id: "lifecycle.guest-power-off",
    capability: "lifecycle",
    title: "a guest that powers itself off shows as stopped, and the platform can start it again",
    run: (t) =>
      Effect.gen(function* () {
        const vm = yield* t.vm({ shared: true })
        yield* t.guest("power off from inside", (probe, driver) => probe.powerOff(driver, vm.name))
        yield* t.awaitPower(vm.name, "stopped")
        yield* t.start(vm.name)
      }),
  }),
]
