import { Effect } from "effect"
import { type Keyring, keyringOf } from "../auth/sealing-keys.ts"
import { moveIfHostNoLongerFits } from "../cluster/move-at-start.ts"
import { Peers, remoteHandle } from "../cluster/peers.ts"
import { moveOffDownHost } from "../cluster/relocate.ts"
import { HostConfig } from "../config.ts"
import { HostDeviceSource } from "../devices/source.ts"
import type { Driver } from "../driver/driver.ts"
import type { EventBus } from "../events/bus.ts"
import type { LifecycleAction } from "../lifecycle/table.ts"
import type { Operation } from "../model/operation.ts"
import type { Vm } from "../model/vm.ts"
import type { Actor, VmRecordContext } from "../rules/context.ts"
import { lifecycleState, vmBusy } from "../rules/lifecycle.ts"
import { type PowerContext, powerRules } from "../rules/power.ts"
import { Store } from "../store/ports.ts"
import { detachExternalDevices } from "./devices/work.ts"
import { driverFor } from "./driver-for.ts"
import { applyGuestLogin } from "./login.ts"
import { checkVmOperation, runVmOperation } from "./run-vm-operation.ts"
import { buildSpec } from "./spec.ts"
import { supersedable, supersede } from "./supersede.ts"
import type { BackgroundWork, OperationError, VmOperation } from "./vm-operation.ts"

export type PowerKind = "start" | "stop" | "force-stop" | "reboot" | "force-reboot"

export interface PowerOptions {
  /** Part of a batch (L7): some single-VM options (B6) are not offered. */
  readonly batch?: boolean
  /** B6: on a single stop, also detach external devices. */
  readonly detachDevices?: boolean
  readonly parentId?: string
}

type Work = (
  driver: Driver,
  context: PowerContext,
  prepared: Prepared,
) => Effect.Effect<unknown, OperationError, Store | EventBus>

interface Prepared {
  readonly driver: Driver
  /** B6: the host's sysfs, to give GPUs back when a stop detaches them. */
  readonly source: HostDeviceSource["Service"]
  readonly timeoutMs: number
  /** Opens a password reset while the VM was stopped (R11), to set it in the guest at the start. */
  readonly keyring: Keyring
}

/** B2's work, also the last step of a resize (K1): define from the records (flavor, disks or media may have changed). */
export const defineAndStart = (driver: Driver, vm: Vm) =>
  buildSpec(vm).pipe(
    Effect.flatMap((spec) => driver.define(spec)),
    Effect.andThen(driver.start(vm.hostname)),
  )

/** B6: a single stop that asked for it detaches the VM's USB devices, GPUs and ISO once the VM is off. */
const afterStop = (
  stop: Effect.Effect<void, OperationError, EventBus>,
  context: PowerContext,
  { driver, source }: Prepared,
): Effect.Effect<unknown, OperationError, Store | EventBus> =>
  context.detachDevices ? Effect.andThen(stop, detachExternalDevices(driver, source, context.vm)) : stop

/** B1–B3 as data: the operation's name, the state machine's action, and what the driver does. */
const powerTable: Record<PowerKind, { operation: Operation; action: LifecycleAction; work: Work }> = {
  start: {
    operation: "vm.start",
    action: "start",
    // R11: a password reset while the VM was stopped is set in the guest once it runs.
    work: (driver, context, { keyring }) =>
      defineAndStart(driver, context.vm).pipe(Effect.andThen(applyGuestLogin(driver, context, keyring))),
  },
  stop: {
    operation: "vm.stop",
    action: "stop",
    // B1: a forced stop or reboot asked while the guest is asked to power off cuts the wait short (supersede).
    work: (driver, context, prepared) =>
      afterStop(
        supersedable(
          context.vm.id,
          driver.shutdown(context.vm.hostname, { force: false, timeoutMs: prepared.timeoutMs }),
        ),
        context,
        prepared,
      ),
  },
  "force-stop": {
    operation: "vm.force-stop",
    action: "force-stop",
    work: (driver, context, prepared) =>
      afterStop(
        driver.shutdown(context.vm.hostname, { force: true, timeoutMs: prepared.timeoutMs }),
        context,
        prepared,
      ),
  },
  reboot: {
    operation: "vm.reboot",
    action: "reboot",
    work: (driver, { vm }) => supersedable(vm.id, driver.reboot(vm.hostname, { force: false })),
  },
  "force-reboot": {
    operation: "vm.force-reboot",
    action: "force-reboot",
    work: (driver, { vm }) => driver.reboot(vm.hostname, { force: true }),
  },
}

/** The driver and the host's shutdown timeout: what a power operation's work needs. */
export const powerPrepare = (context: VmRecordContext) =>
  Effect.gen(function* () {
    const config = yield* HostConfig
    const prepared: Prepared = {
      driver: yield* driverFor(context.vm),
      source: yield* HostDeviceSource,
      timeoutMs: config.shutdownTimeoutMs,
      keyring: keyringOf(config),
    }
    return prepared
  })

/** B1–B3 as declarations: one per kind, run by the one runner. */
export const powerOperations = Object.fromEntries(
  (Object.keys(powerTable) as Array<PowerKind>).map((kind) => {
    const entry = powerTable[kind]
    const declaration: VmOperation<
      "full",
      PowerOptions,
      PowerContext,
      Prepared,
      BackgroundWork<PowerContext, Prepared, void>
    > = {
      operation: entry.operation,
      reads: "full",
      context: (base, options) =>
        Effect.succeed({ ...base, batch: options.batch ?? false, detachDevices: options.detachDevices ?? false }),
      rules: powerRules[kind],
      prepare: powerPrepare,
      lifecycle: entry.action,
      task: (context) => ({ params: { kind, detachDevices: context.detachDevices } }),
      work: {
        kind: "background",
        run: (context, prepared) => entry.work(prepared.driver, context, prepared),
      },
    }
    return [kind, declaration]
  }),
) as Record<
  PowerKind,
  VmOperation<"full", PowerOptions, PowerContext, Prepared, BackgroundWork<PowerContext, Prepared, void>>
>

/**
 * B2 in a cluster (#16): a stopped VM whose host is down (relocateOperation), or whose up host no longer fits it
 * (R10's groups, room under the `release` policy: moveAtStartOperation), moves to another host first, then starts
 * there: here, or through that host's agent as the same caller.
 */
const startAnywhere = Effect.fn("operations.startAnywhere")(function* (
  actor: Actor,
  vmId: string,
  options: PowerOptions,
) {
  // #16: off a down host; R10 and the `release` policy: off an up host that no longer fits it (its groups, room)
  const to = (yield* moveOffDownHost(actor, vmId)) ?? (yield* moveIfHostNoLongerFits(actor, vmId))
  const peers = yield* Peers
  const { hostId } = yield* HostConfig
  if (to === undefined || peers === undefined || to.id === hostId) {
    return yield* runVmOperation(powerOperations.start, actor, vmId, options, options)
  }
  const store = yield* Store
  const taskId = yield* peers.start(to, vmId, actor)
  return remoteHandle(store, yield* store.tasks.get(taskId))
})

/** The graceful operations a forced stop or reboot cuts short (supersede.ts), by the name their lock carries. */
export const supersededOperations: ReadonlySet<string> = new Set<Operation>(["vm.stop", "vm.reboot"])

/** The rules of a forced kind but those of the VM's state: what must allow it besides a graceful one finishing. */
export const besidesState = (kind: "force-stop" | "force-reboot") => ({
  ...powerOperations[kind],
  rules: powerOperations[kind].rules.filter(
    (rule) => rule !== vmBusy && rule !== lifecycleState(powerTable[kind].action),
  ),
})

/**
 * B1 B3: "强制关机/强制重启 … 将会立刻为虚拟机断电": a forced stop or reboot refused only because a graceful stop or
 * reboot of this agent waits on the guest (an ACPI button it ignores, up to the host's timeout) cuts that one short,
 * then runs. Everything else the forced one's rules ask is checked before anything is cut short.
 */
const forced = Effect.fn("operations.forcedPower")(function* (
  actor: Actor,
  vmId: string,
  kind: "force-stop" | "force-reboot",
  options: PowerOptions,
) {
  const run = runVmOperation(powerOperations[kind], actor, vmId, options, options)
  return yield* run.pipe(
    Effect.catchTag("RuleViolation", (refused) =>
      refused.rule !== vmBusy.name
        ? Effect.fail(refused)
        : Effect.gen(function* () {
            const { context } = yield* checkVmOperation(besidesState(kind), actor, vmId, options)
            const pending = context.vm.state === "stopping" || context.vm.state === "rebooting"
            if (!(yield* supersede(vmId, powerOperations[kind].operation, pending))) return yield* Effect.fail(refused)
            return yield* run
          }),
    ),
  )
})

/** Start, stop or reboot a VM (B1–B3), gracefully or forced; returns its task at once. */
export const power = (actor: Actor, vmId: string, kind: PowerKind, options: PowerOptions = {}) =>
  kind === "start"
    ? startAnywhere(actor, vmId, options)
    : kind === "force-stop" || kind === "force-reboot"
      ? forced(actor, vmId, kind, options)
      : runVmOperation(powerOperations[kind], actor, vmId, options, options)
