import { Effect, Exit } from "effect"
import type { Capability } from "../../core/driver/capabilities.ts"
import { driverFor } from "../../core/operations/driver-for.ts"
import { beginTask, finishTask } from "../../core/operations/tasks.ts"
import { loadVisibleVm, vmContext } from "../../core/operations/vm-context.ts"
import { scopeOf } from "../../core/operations/vm-state.ts"
import type { Actor } from "../../core/rules/context.ts"
import { notRecycled, runningOnly } from "../../core/rules/lifecycle.ts"
import { checkRules } from "../../core/rules/rule.ts"
import { ApiError } from "../errors/api-error.ts"
import type { ConsoleKind } from "./tickets.ts"

const capabilityOf: Record<ConsoleKind, Capability> = { vnc: "vncConsole", serial: "serialConsole" }

const consoleNames = { vnc: { en: "VNC", zh: "VNC" }, serial: { en: "serial", zh: "串口" } }

/**
 * B5: the VM (404 outside the caller's scope), not in the recycle bin, running (409 running-only, the catalogue's
 * rules for vm.console), and its host's driver offers this kind of console. Returns the VM and its driver.
 */
export const consoleTarget = Effect.fn("agent.consoleTarget")(function* (
  actor: Actor,
  vmId: string,
  kind: ConsoleKind,
) {
  const vm = yield* loadVisibleVm(actor, vmId)
  yield* checkRules("vm.console", [notRecycled, runningOnly], yield* vmContext(actor, vm))
  const driver = yield* driverFor(vm)
  if (driver.console === undefined || !driver.capabilities.has(capabilityOf[kind])) {
    const name = consoleNames[kind]
    return yield* Effect.fail(
      new ApiError(409, "console-unsupported", {
        en: `The hypervisor of this VM's host offers no ${name.en} console`,
        zh: `该虚拟机所在主机的虚拟化平台不提供${name.zh}控制台`,
      }),
    )
  }
  return { vm, driver, console: driver.console }
})

/** Opening a console is recorded as a task (G4: who looked at which VM's screen, and when). */
export const recordConsoleOpened = Effect.fn("agent.recordConsoleOpened")(function* (
  actor: Actor,
  vmId: string,
  kind: ConsoleKind,
) {
  const { vm } = yield* consoleTarget(actor, vmId, kind)
  const scope = scopeOf(vm)
  const task = yield* beginTask({ operation: "vm.console", actor, scope, vmId: vm.id, params: { kind } })
  return yield* finishTask(task, scope, Exit.void)
})

/** Where the console listens now; checked again when the ticket is redeemed (the VM may have stopped since). */
export const consoleEndpoint = Effect.fn("agent.consoleEndpoint")(function* (
  actor: Actor,
  vmId: string,
  kind: ConsoleKind,
) {
  const { vm, console } = yield* consoleTarget(actor, vmId, kind)
  return yield* kind === "vnc" ? console.vnc(vm.hostname) : console.serial(vm.hostname)
})
