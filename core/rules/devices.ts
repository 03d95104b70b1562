import type { Flavor, Image } from "../model/catalog.ts"
import type { KeyPair } from "../model/extras.ts"
import type { HostDevice } from "../model/host.ts"
import type { VmContext } from "./context.ts"
import { notRecycled, runningOrStopped, stoppedOnly, vmBusy } from "./lifecycle.ts"
import { linuxOnly } from "./login.ts"
import { gpuAllowedByFlavor, imageAvailable, keyPairOwner, keyPairRequired } from "./resources.ts"
import { defineRule, type Rule } from "./rule.ts"

/** X1: the GPU model and count asked for, and how many of that model the VM's host has free. */
export interface GpuAttachContext extends VmContext {
  readonly flavor: Flavor
  readonly count: number
  readonly freeGpus: number
}

/** X2, X4: a device of the VM's host, chosen by the user. */
export interface DeviceContext extends VmContext {
  readonly device: HostDevice
}

export interface IsoContext extends VmContext {
  readonly image: Image
}

export interface SshKeysContext extends VmContext {
  readonly keyPairs: ReadonlyArray<KeyPair>
}

/** X1: "当且仅当虚拟机所在主机上有可用GPU". */
export const noFreeGpu: Rule<GpuAttachContext> = defineRule({
  name: "no-free-gpu",
  features: ["X1"],
  kind: "conflict",
  message: ({ count, freeGpus }) => ({
    en: `The VM's host has ${freeGpus} free GPU(s) of this model; ${count} asked`,
    zh: `虚拟机所在主机上可用的该型号GPU为 ${freeGpus} 块，需要 ${count} 块`,
  }),
  allows: ({ count, freeGpus }) => count <= freeGpus,
})

/** X4: "在虚拟机所在主机上有可用USB的前提下". */
export const noFreeUsb: Rule<DeviceContext> = defineRule({
  name: "no-free-usb",
  features: ["X4"],
  kind: "conflict",
  message: {
    en: "This USB device is not free on the VM's host",
    zh: "该USB设备不是虚拟机所在主机上的可用USB",
  },
  allows: ({ device, vm }) => device.kind === "usb" && device.vmId === null && device.hostId === vm.hostId,
})

/** X2, X4: only a device attached to this VM can be detached from it. */
export const deviceAttached: Rule<DeviceContext> = defineRule({
  name: "device-attached",
  features: ["X2", "X4"],
  kind: "conflict",
  message: { en: "This device is not attached to the VM", zh: "该设备未挂载在此虚拟机上" },
  allows: ({ device, vm }) => device.vmId === vm.id,
})

/** X2 (F9): "卸载GPU" acts on a GPU of the VM; with none, there is nothing to detach. */
export const gpuAttached: Rule<VmContext> = defineRule({
  name: "gpu-attached",
  features: ["X2"],
  kind: "conflict",
  message: { en: "No GPU is attached to the VM", zh: "虚拟机未挂载GPU" },
  allows: ({ facts }) => facts.gpus > 0,
})

/** X4 (F9): "卸载USB" acts on a USB device of the VM; with none, there is nothing to detach. */
export const usbAttached: Rule<VmContext> = defineRule({
  name: "usb-attached",
  features: ["X4"],
  kind: "conflict",
  message: { en: "No USB device is attached to the VM", zh: "虚拟机未挂载USB设备" },
  allows: ({ facts }) => facts.usbDevices > 0,
})

export const imageIsIso: Rule<IsoContext> = defineRule({
  name: "image-is-iso",
  features: ["X3"],
  kind: "invalid",
  message: ({ image }) => ({ en: `${image.name} is not an ISO image`, zh: `${image.name} 不是ISO镜像` }),
  allows: ({ image }) => image.format === "iso",
})

/** X3: one CD-ROM drive; detach the ISO in it before attaching another. */
export const isoAlreadyAttached: Rule<VmContext> = defineRule({
  name: "iso-already-attached",
  features: ["X3"],
  kind: "conflict",
  message: { en: "An ISO is already attached; detach it first", zh: "虚拟机已挂载ISO，请先卸载" },
  allows: ({ vm }) => vm.isoImageId === null,
})

export const isoAttached: Rule<VmContext> = defineRule({
  name: "iso-attached",
  features: ["X3"],
  kind: "conflict",
  message: { en: "No ISO is attached", zh: "虚拟机未挂载ISO" },
  allows: ({ vm }) => vm.isoImageId !== null,
})

/** X5, R13: "当且仅当…登录方式为“SSH密钥”时"; after switching to password the keys stay as they are. */
export const sshKeyLoginOnly: Rule<VmContext> = defineRule({
  name: "ssh-key-login-only",
  features: ["X5", "R13"],
  kind: "conflict",
  message: {
    en: "SSH keys can be configured only when the VM logs in by SSH key",
    zh: "仅登录方式为“SSH密钥”的虚拟机支持配置SSH密钥",
  },
  allows: ({ vm }) => vm.loginMethod === "ssh-key",
})

export interface DeviceRules {
  readonly "attach-gpu": ReadonlyArray<Rule<GpuAttachContext>>
  readonly "detach-gpu": ReadonlyArray<Rule<DeviceContext>>
  readonly "attach-iso": ReadonlyArray<Rule<IsoContext>>
  readonly "detach-iso": ReadonlyArray<Rule<VmContext>>
  readonly "attach-usb": ReadonlyArray<Rule<DeviceContext>>
  readonly "detach-usb": ReadonlyArray<Rule<DeviceContext>>
  readonly "ssh-keys": ReadonlyArray<Rule<SshKeysContext>>
}

const live = [notRecycled, vmBusy] as const

/**
 * D4's buttons before a device or disc is chosen (allowedActions): the rules that weigh the VM alone, among them
 * whether it has anything to detach or eject (F9). The chosen item's own rules (no-free-usb, device-attached,
 * image-is-iso, the flavor's GPUs, no-free-gpu) are the call's.
 */
export const deviceVmRules = {
  "attach-gpu": [...live, stoppedOnly],
  "detach-gpu": [...live, runningOrStopped, gpuAttached],
  "attach-iso": [...live, isoAlreadyAttached],
  "detach-iso": [...live, isoAttached],
  "attach-usb": [...live],
  "detach-usb": [...live, usbAttached],
} as const satisfies Readonly<Record<string, ReadonlyArray<Rule<VmContext>>>>

export const deviceRules: DeviceRules = {
  /** X1; the manual's GPU note also says "当且仅当虚拟机处于停止状态时支持挂载GPU". */
  "attach-gpu": [
    ...deviceVmRules["attach-gpu"],
    gpuAllowedByFlavor((c: GpuAttachContext) => ({ flavor: c.flavor, gpus: c.count })),
    noFreeGpu,
  ],
  /** X2: a running VM is shut down first by the operation ("系统会自动关机后卸载GPU"). */
  "detach-gpu": [...deviceVmRules["detach-gpu"], deviceAttached],
  "attach-iso": [
    ...live,
    imageIsIso,
    imageAvailable((c: IsoContext) => ({ image: c.image, departmentId: c.vm.departmentId })),
    isoAlreadyAttached,
  ],
  "detach-iso": deviceVmRules["detach-iso"],
  "attach-usb": [...deviceVmRules["attach-usb"], noFreeUsb],
  "detach-usb": [...deviceVmRules["detach-usb"], deviceAttached],
  /** X5: stopped, SSH-key login, Linux; at least one key, all the owner's. */
  "ssh-keys": [
    ...live,
    stoppedOnly,
    linuxOnly,
    sshKeyLoginOnly,
    keyPairRequired((c: SshKeysContext) => ({ loginMethod: "ssh-key", keyPair: c.keyPairs[0] ?? null })),
    keyPairOwner((c: SshKeysContext) => ({ keyPairs: c.keyPairs, ownerId: c.vm.ownerId })),
  ],
}
