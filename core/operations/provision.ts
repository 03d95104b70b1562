import { Effect } from "effect"
import type { Vm } from "../model/vm.ts"
import type { Actor } from "../rules/context.ts"
import { Store } from "../store/ports.ts"
import { runLifecycle } from "./lifecycle-task.ts"
import { buildSpec } from "./spec.ts"
import { vmContext } from "./vm-context.ts"

/**
 * 资源验证 → first run: create the VM's disk files on its host, define it, and start it when asked.
 * A failure leaves the VM in error with the reason; its records stay for an admin to inspect or delete.
 */
export const provision = Effect.fn("operations.provision")(function* (actor: Actor, vm: Vm, start: boolean) {
  const context = yield* vmContext(actor, vm)
  return yield* runLifecycle({
    operation: "vm.create",
    action: start ? "provision-start" : "provision",
    context,
    params: { start },
    work: (driver, current) =>
      Effect.gen(function* () {
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
        if (start) yield* driver.start(current.hostname)
      }),
  })
})
