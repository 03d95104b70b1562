import { Effect } from "effect"
import { type Keyring, keyringOf } from "../auth/sealing-keys.ts"
import { HostConfig } from "../config.ts"
import type { Driver } from "../driver/driver.ts"
import { configRules, type ResizeContext, resizeDemand } from "../rules/config.ts"
import type { Actor } from "../rules/context.ts"
import { cpuTopology } from "../rules/naming.ts"
import { Store } from "../store/ports.ts"
import { quotaAdmission } from "./admission.ts"
import { driverFor as driverOf } from "./driver-for.ts"
import { applyGuestLogin } from "./login.ts"
import { defineAndStart } from "./power.ts"
import { quotaContext } from "./quota-context.ts"
import { runVmOperation } from "./run-vm-operation.ts"
import type { BackgroundWork, VmOperation } from "./vm-operation.ts"

type Prepared = { readonly driver: Driver; readonly keyring: Keyring }

/**
 * The VM's topology on its new CPU count: the sockets chosen by hand (K4) while they still divide it, else auto (C4).
 */
const topologyFor = (sockets: number, cpus: number) => cpuTopology(cpus, cpus % sockets === 0 ? sockets : "auto")

/**
 * K1: another flavor, stopped only, the quota checked on the difference (G2). The VM then starts by itself (the
 * lifecycle's start: stopped → starting → running): the new CPU count and memory are written, the VM defined from the
 * records and started. A start that fails leaves the new flavor recorded and the VM stopped, the task failed.
 */
export const resizeOperation: VmOperation<
  "full",
  string,
  ResizeContext,
  Prepared,
  BackgroundWork<ResizeContext, Prepared, void>
> = {
  operation: "vm.resize",
  reads: "full",
  context: (base, flavorId) =>
    Effect.gen(function* () {
      const store = yield* Store
      const [flavor, image] = yield* Effect.all([store.flavors.get(flavorId), store.images.get(base.vm.imageId)], {
        concurrency: "unbounded",
      })
      return { ...base, flavor, image, ...(yield* quotaContext(base.vm.departmentId, resizeDemand(base.vm, flavor))) }
    }),
  rules: configRules.resize,
  prepare: ({ vm }) =>
    Effect.gen(function* () {
      const config = yield* HostConfig
      return { driver: yield* driverOf(vm), keyring: keyringOf(config) }
    }),
  lifecycle: "start",
  task: ({ vm, flavor }) => ({
    params: {
      flavorId: flavor.id,
      from: { flavorId: vm.flavorId, cpus: vm.cpus, memoryMiB: vm.memoryMiB },
      to: { cpus: flavor.cpus, memoryMiB: flavor.memoryMiB },
    },
  }),
  work: {
    kind: "background",
    run: (context, { driver, keyring }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const { vm, flavor } = context
        const topology = topologyFor(vm.sockets, flavor.cpus)
        // G2 again where the new flavor is written, under the department's lock: parallel resizes (and creates) cannot
        // all pass on the same free quota; the one that no longer fits fails its task with the quota's rule.
        const admission = quotaAdmission("vm.resize", vm.departmentId, vm.hostId ?? "", context.demand)
        const resized = yield* store.vms.updateAdmitted(
          vm.id,
          {
            flavorId: flavor.id,
            cpus: flavor.cpus,
            memoryMiB: flavor.memoryMiB,
            sockets: topology.sockets,
            coresPerSocket: topology.coresPerSocket,
          },
          vm.version,
          admission,
        )
        yield* defineAndStart(driver, resized)
        yield* applyGuestLogin(driver, { ...context, vm: resized }, keyring)
        return { cpus: resized.cpus, memoryMiB: resized.memoryMiB, sockets: resized.sockets }
      }),
  },
}

/** K1: returns the task at once; it ends when the resized VM runs. */
export const resizeVm = (actor: Actor, vmId: string, flavorId: string) =>
  runVmOperation(resizeOperation, actor, vmId, flavorId)
