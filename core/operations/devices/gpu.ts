import { Effect } from "effect"
import { HostConfig } from "../../config.ts"
import { gpuModelKey, isFreeForPassthrough } from "../../devices/inventory.ts"
import { HostDeviceSource } from "../../devices/source.ts"
import type { Driver } from "../../driver/driver.ts"
import type { HostDevice } from "../../model/host.ts"
import type { Actor, VmContext } from "../../rules/context.ts"
import { type DeviceContext, deviceRules, type GpuAttachContext, noFreeGpu } from "../../rules/devices.ts"
import { violation } from "../../rules/rule.ts"
import { Store } from "../../store/ports.ts"
import { driverFor, ignoreMissing } from "../driver-for.ts"
import { runVmOperation } from "../run-vm-operation.ts"
import type { BackgroundWork, VmOperation } from "../vm-operation.ts"
import { deviceContext } from "./usb.ts"
import { deviceSpecOf } from "./work.ts"

/** X1: a GPU model ("vendor:product" ids, as the host inventory reports them) and how many of it. */
export interface GpuRequest {
  readonly model: string
  readonly count: number
}

interface GpuAttach extends GpuAttachContext {
  /** The free GPUs of the model on the VM's host, in address order: the first `count` are claimed. */
  readonly candidates: ReadonlyArray<HostDevice>
}

const freeGpusOf = (hostId: string | null, model: string) =>
  Effect.map(
    Store.use((store) => store.hostDevices.list({ hostId: hostId ?? "", kind: "gpu" })),
    (devices) => devices.filter((device) => isFreeForPassthrough(device) && gpuModelKey(device) === model),
  )

/** What GPU work needs: the VM's driver, the host's sysfs, and how long a graceful stop may take (X2). */
interface GpuWork {
  readonly driver: Driver
  readonly source: HostDeviceSource["Service"]
  readonly timeoutMs: number
}

const gpuWork = (context: VmContext) =>
  Effect.gen(function* () {
    const work: GpuWork = {
      driver: yield* driverFor(context.vm),
      source: yield* HostDeviceSource,
      timeoutMs: (yield* HostConfig).shutdownTimeoutMs,
    }
    return work
  })

/** Every GPU given back to the host: out of the (stopped) definition, vfio-pci lets go, free in the records. */
const giveBackGpus = ({ driver, source }: GpuWork, vm: VmContext["vm"], devices: ReadonlyArray<HostDevice>) =>
  Effect.gen(function* () {
    for (const device of devices) {
      if (driver.hostDevices) yield* ignoreMissing(driver.hostDevices.detach(vm.hostname, device.id))
      yield* source.releaseVfio(device.address)
    }
    yield* Store.use((store) =>
      store.hostDevices.release(
        devices.map((device) => device.id),
        vm.id,
      ),
    )
  })

/**
 * X1: GPUs of one model for a stopped VM whose flavor allows GPUs, from the free ones of its host. Claimed in one
 * conditional write (all or none: of two VMs asking for the last GPU exactly one gets it), bound to vfio-pci through
 * the host's sysfs, then in the VM's definition (`-device vfio-pci,host=…` at its next start). Any failure gives back
 * what was taken.
 */
export const attachGpuOperation: VmOperation<
  "full",
  GpuRequest,
  GpuAttach,
  GpuWork,
  BackgroundWork<GpuAttach, GpuWork, ReadonlyArray<HostDevice>>
> = {
  operation: "vm.attach-gpu",
  reads: "full",
  context: (base, request) =>
    Effect.gen(function* () {
      const flavor = yield* Store.use((store) => store.flavors.get(base.vm.flavorId))
      const candidates = yield* freeGpusOf(base.vm.hostId, request.model)
      return { ...base, flavor, count: request.count, freeGpus: candidates.length, candidates }
    }),
  rules: deviceRules["attach-gpu"],
  prepare: gpuWork,
  task: (context, request) => ({ params: { model: request.model, count: context.count } }),
  work: {
    kind: "background",
    record: (context) =>
      Effect.gen(function* () {
        const chosen = context.candidates.slice(0, context.count)
        const ids = chosen.map((device) => device.id)
        const claimed = yield* Store.use((store) => store.hostDevices.claim(ids, context.vm.id))
        if (claimed === undefined) return yield* violation("vm.attach-gpu", noFreeGpu, { ...context, freeGpus: 0 })
        return claimed
      }),
    discard: (context) =>
      Store.use((store) =>
        store.hostDevices.release(
          context.candidates.map((device) => device.id),
          context.vm.id,
        ),
      ),
    run: ({ vm }, work, recorded) =>
      Effect.gen(function* () {
        const devices = yield* recorded
        const { driver, source } = work
        const attach = Effect.forEach(devices, (device) =>
          Effect.andThen(
            source.bindVfio(device.address),
            driver.hostDevices
              ? ignoreMissing(driver.hostDevices.attach(vm.hostname, deviceSpecOf(device)))
              : Effect.void,
          ),
        )
        yield* attach.pipe(Effect.tapError(() => giveBackGpus(work, vm, devices)))
        return { deviceIds: devices.map((device) => device.id) }
      }),
  },
}

type DetachGpu = VmOperation<"full", string, DeviceContext, GpuWork, BackgroundWork<DeviceContext, GpuWork, void>>

/** X2 for a stopped VM: the GPU leaves its definition and goes back to the host. */
const detachStoppedGpu: DetachGpu = {
  operation: "vm.detach-gpu",
  reads: "full",
  context: deviceContext,
  rules: deviceRules["detach-gpu"],
  prepare: gpuWork,
  task: ({ device }) => ({ targetId: device.id, params: { deviceId: device.id, shutDownFirst: false } }),
  work: {
    kind: "background",
    run: ({ vm, device }, work) => giveBackGpus(work, vm, [device]).pipe(Effect.as({ deviceId: device.id })),
  },
}

/** X2 "如果虚拟机处于运行状态，系统会自动关机后卸载GPU": a running VM is shut down (gracefully) first. */
const detachRunningGpu: DetachGpu = {
  ...detachStoppedGpu,
  lifecycle: "stop",
  task: ({ device }) => ({ targetId: device.id, params: { deviceId: device.id, shutDownFirst: true } }),
  work: {
    kind: "background",
    run: ({ vm, device }, work) =>
      Effect.andThen(
        work.driver.shutdown(vm.hostname, { force: false, timeoutMs: work.timeoutMs }),
        giveBackGpus(work, vm, [device]),
      ),
  },
}

export const attachGpu = (actor: Actor, vmId: string, request: GpuRequest) =>
  runVmOperation(attachGpuOperation, actor, vmId, request)

/** X2: the declaration follows the VM's state as read now; the runner re-checks it under the VM's lock. */
export const detachGpu = (actor: Actor, vmId: string, deviceId: string) =>
  Effect.flatMap(
    Store.use((store) => store.vms.get(vmId)),
    (vm) =>
      vm.state === "running"
        ? runVmOperation(detachRunningGpu, actor, vmId, deviceId)
        : runVmOperation(detachStoppedGpu, actor, vmId, deviceId),
  )
