import { Effect } from "effect"
import { HostConfig } from "../config.ts"
import type { Driver } from "../driver/driver.ts"
import type { EventBus } from "../events/bus.ts"
import type { LifecycleAction } from "../lifecycle/table.ts"
import type { Operation } from "../model/operation.ts"
import type { Vm } from "../model/vm.ts"
import type { Actor } from "../rules/context.ts"
import { type PowerContext, powerRules } from "../rules/power.ts"
import { checkRules } from "../rules/rule.ts"
import type { Store } from "../store/ports.ts"
import { runLifecycle, type WorkError } from "./lifecycle-task.ts"
import { buildSpec } from "./spec.ts"
import { loadVisibleVm, vmContext } from "./vm-context.ts"

export type PowerKind = "start" | "stop" | "force-stop" | "reboot" | "force-reboot"

export interface PowerOptions {
  /** Part of a batch (L7): some single-VM options (B6) are not offered. */
  readonly batch?: boolean
  /** B6: on a single stop, also detach external devices. */
  readonly detachDevices?: boolean
  readonly parentId?: string
}

type Work = (driver: Driver, vm: Vm, timeoutMs: number) => Effect.Effect<unknown, WorkError, Store | EventBus>

/** B1–B3 as data: the operation's name, the state machine's action, and what the driver does. */
const powerTable: Record<PowerKind, { operation: Operation; action: LifecycleAction; work: Work }> = {
  start: {
    operation: "vm.start",
    action: "start",
    // Define from the records first: flavor, disks or media may have changed while the VM was off.
    work: (driver, vm) =>
      buildSpec(vm).pipe(
        Effect.flatMap((spec) => driver.define(spec)),
        Effect.andThen(driver.start(vm.hostname)),
      ),
  },
  stop: {
    operation: "vm.stop",
    action: "stop",
    work: (driver, vm, timeoutMs) => driver.shutdown(vm.hostname, { force: false, timeoutMs }),
  },
  "force-stop": {
    operation: "vm.force-stop",
    action: "force-stop",
    work: (driver, vm, timeoutMs) => driver.shutdown(vm.hostname, { force: true, timeoutMs }),
  },
  reboot: {
    operation: "vm.reboot",
    action: "reboot",
    work: (driver, vm) => driver.reboot(vm.hostname, { force: false }),
  },
  "force-reboot": {
    operation: "vm.force-reboot",
    action: "force-reboot",
    work: (driver, vm) => driver.reboot(vm.hostname, { force: true }),
  },
}

/** Start, stop or reboot a VM (B1–B3), gracefully or forced; returns its task at once. */
export const power = Effect.fn("operations.power")(function* (
  actor: Actor,
  vmId: string,
  kind: PowerKind,
  options: PowerOptions = {},
) {
  const config = yield* HostConfig
  const entry = powerTable[kind]
  const vm = yield* loadVisibleVm(actor, vmId)
  const context: PowerContext = {
    ...(yield* vmContext(actor, vm)),
    batch: options.batch ?? false,
    detachDevices: options.detachDevices ?? false,
  }
  yield* checkRules(entry.operation, powerRules[kind], context)
  return yield* runLifecycle({
    operation: entry.operation,
    action: entry.action,
    context,
    ...(options.parentId === undefined ? {} : { parentId: options.parentId }),
    params: { kind, detachDevices: context.detachDevices },
    work: (driver, current) => entry.work(driver, current, config.shutdownTimeoutMs),
  })
})
