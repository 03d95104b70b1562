import { Effect } from "effect"
import { type Keyring, keyringOf } from "../auth/sealing-keys.ts"
import { HostConfig } from "../config.ts"
import type { Driver } from "../driver/driver.ts"
import type { Actor, VmContext } from "../rules/context.ts"
import { Store } from "../store/ports.ts"
import { joinDomain } from "./domain-join.ts"
import { driverFor } from "./driver-for.ts"
import { applyGuestLogin } from "./login.ts"
import { runVmOperation } from "./run-vm-operation.ts"
import { buildSpec } from "./spec.ts"
import type { BackgroundWork, VmOperation } from "./vm-operation.ts"

type Prepared = { readonly driver: Driver; readonly keyring: Keyring }

/**
 * 资源验证 → first run: create the VM's disk files on its host, define it, and start it when asked. Its rules were
 * checked when the VM was created (C8); the lifecycle table still decides whether it may begin.
 */
const provisionOperation = (
  start: boolean,
): VmOperation<"full", void, VmContext, Prepared, BackgroundWork<VmContext, Prepared, void>> => ({
  operation: "vm.create",
  reads: "full",
  context: (base) => Effect.succeed(base),
  rules: [],
  prepare: (context) =>
    Effect.all({
      driver: driverFor(context.vm, "vm.create"),
      keyring: HostConfig.use((config) => Effect.succeed(keyringOf(config))),
    }),
  lifecycle: start ? "provision-start" : "provision",
  task: () => ({ params: { start } }),
  work: {
    kind: "background",
    run: (context, { driver, keyring }) =>
      Effect.gen(function* () {
        const current = context.vm
        const store = yield* Store
        const image = yield* store.images.get(current.imageId)
        // Only the system disk has a backing file: the image, in the image's own format.
        const backingFormat = image.format === "raw" ? "raw" : "qcow2"
        for (const disk of yield* store.disks.list({ vmId: current.id })) {
          yield* driver.volumes.create({
            path: disk.path,
            format: disk.format,
            sizeGiB: disk.sizeGiB,
            ...(disk.backingPath === null ? {} : { backingPath: disk.backingPath, backingFormat }),
          })
        }
        yield* driver.define(yield* buildSpec(current))
        if (!start) return
        yield* driver.start(current.hostname)
        // R6, R13: once the guest's agent answers, a VM created to log in by password (from an image whose password
        // the platform manages) has that password in the guest, and one created for SSH keys has its key pairs
        yield* applyGuestLogin(driver, context, keyring)
        // C2, R8: a Windows VM (a create's or a clone's) that asked for the domain join gets it on its first start
        yield* joinDomain({ vm: current, driver })
      }),
  },
})

/** A failure leaves the VM in error with the reason; its records stay for an admin to inspect or delete. */
export const provision = (actor: Actor, vmId: string, start: boolean) =>
  runVmOperation(provisionOperation(start), actor, vmId, undefined)
