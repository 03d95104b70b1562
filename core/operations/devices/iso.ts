import { Effect } from "effect"
import type { Actor, VmContext } from "../../rules/context.ts"
import { deviceRules, type IsoContext } from "../../rules/devices.ts"
import { Store } from "../../store/ports.ts"
import { runVmOperation } from "../run-vm-operation.ts"
import type { BackgroundWork, VmOperation } from "../vm-operation.ts"
import { type DeviceWork, deviceWork } from "./work.ts"

const setIso = (vmId: string, isoImageId: string | null) =>
  Store.use((store) => store.vms.update(vmId, { isoImageId })).pipe(Effect.asVoid)

/**
 * X3: an ISO of the library into the VM's one CD-ROM drive: the tray of a running VM takes it at once (QMP
 * blockdev-change-medium), a stopped VM has it at its next start. Recorded first, taken back if the driver fails.
 */
export const attachIsoOperation: VmOperation<
  "full",
  string,
  IsoContext,
  DeviceWork,
  BackgroundWork<IsoContext, DeviceWork, void>
> = {
  operation: "vm.attach-iso",
  reads: "full",
  context: (base, imageId) =>
    Effect.map(
      Store.use((store) => store.images.get(imageId)),
      (image) => ({ ...base, image }),
    ),
  rules: deviceRules["attach-iso"],
  prepare: deviceWork("media.insert", "iso"),
  task: ({ image }) => ({ targetId: image.id, params: { imageId: image.id } }),
  work: {
    kind: "background",
    record: ({ vm, image }) => setIso(vm.id, image.id),
    discard: ({ vm }) => setIso(vm.id, null),
    run: ({ vm, image }, work, recorded) =>
      Effect.gen(function* () {
        yield* recorded
        yield* work.insert(vm.hostname, image.location)
        return { imageId: image.id, hot: work.hot }
      }),
    onFailure: ({ vm }) => setIso(vm.id, null),
  },
}

/** X3: the disc leaves the drive (forced: a guest that locked the tray cannot keep it), then the record. */
export const detachIsoOperation: VmOperation<
  "full",
  void,
  VmContext,
  DeviceWork,
  BackgroundWork<VmContext, DeviceWork, void>
> = {
  operation: "vm.detach-iso",
  reads: "full",
  context: (base) => Effect.succeed(base),
  rules: deviceRules["detach-iso"],
  prepare: deviceWork("media.eject", "iso"),
  task: ({ vm }) => ({ params: { imageId: vm.isoImageId } }),
  work: {
    kind: "background",
    run: ({ vm }, work) =>
      Effect.gen(function* () {
        yield* work.eject(vm.hostname)
        yield* setIso(vm.id, null)
        return { imageId: vm.isoImageId, hot: work.hot }
      }),
  },
}

export const attachIso = (actor: Actor, vmId: string, imageId: string) =>
  runVmOperation(attachIsoOperation, actor, vmId, imageId)

export const detachIso = (actor: Actor, vmId: string) => runVmOperation(detachIsoOperation, actor, vmId, undefined)
