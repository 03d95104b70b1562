import type { Flavor, Image } from "../model/catalog.ts"
import type { Vm } from "../model/vm.ts"
import type { VmContext } from "./context.ts"
import { socketsDivideCpus } from "./inputs.ts"
import { notRecycled, runningOnly, stoppedOnly, vmBusy } from "./lifecycle.ts"
import { type QuotaContext, type QuotaDemand, quotaDisk, quotaRules } from "./quota.ts"
import {
  flavorInService,
  gpuAllowedByFlavor,
  imageAvailable,
  imageInService,
  imageInstallable,
  imageMinCores,
  sshKeyLinuxOnly,
} from "./resources.ts"
import { defineRule, type Rule } from "./rule.ts"

/** K1: the new flavor, and the VM's image (its minimum cores still apply). */
export interface ResizeContext extends VmContext, QuotaContext {
  readonly flavor: Flavor
  readonly image: Image
}

/** K2: the image to install; the quota asked for a system disk the image's minimum size makes grow (G2). */
export interface ReinstallContext extends VmContext, QuotaContext {
  readonly image: Image
}

/** G2: a reinstall asks for disk only where the image needs a larger system disk than the VM's. */
export const reinstallDemand = (systemGiB: number, image: Image): QuotaDemand => ({
  cpus: 0,
  memoryMiB: 0,
  diskGiB: Math.max(0, image.minDiskGiB - systemGiB),
  vmCount: 0,
})

export interface CreateImageContext extends VmContext {
  readonly name: string
}

export interface SocketsContext extends VmContext {
  readonly sockets: number
}

/** G2: a resize adds the difference; a smaller flavor frees quota. */
export const resizeDemand = (vm: Vm, flavor: Flavor): QuotaDemand => ({
  cpus: flavor.cpus - vm.cpus,
  memoryMiB: flavor.memoryMiB - vm.memoryMiB,
  diskGiB: 0,
  vmCount: 0,
})

export const differentFlavor: Rule<ResizeContext> = defineRule({
  name: "different-flavor",
  features: ["K1"],
  kind: "invalid",
  message: ({ flavor }) => ({
    en: `The VM already has the flavor ${flavor.name}`,
    zh: `虚拟机当前已是规格 ${flavor.name}`,
  }),
  allows: ({ vm, flavor }) => vm.flavorId !== flavor.id,
})

export interface ConfigRules {
  readonly resize: ReadonlyArray<Rule<ResizeContext>>
  readonly reinstall: ReadonlyArray<Rule<ReinstallContext>>
  readonly "create-image": ReadonlyArray<Rule<CreateImageContext>>
  readonly sockets: ReadonlyArray<Rule<SocketsContext>>
}

const live = [notRecycled, vmBusy] as const

export const configRules: ConfigRules = {
  /** K1: "当且仅当虚拟机处于“关闭”状态时，支持为虚拟机调整配置"; G2 quota on the difference. */
  resize: [
    ...live,
    stoppedOnly,
    differentFlavor,
    flavorInService((c: ResizeContext) => c.flavor),
    imageMinCores((c: ResizeContext) => ({ image: c.image, cpus: c.flavor.cpus })),
    gpuAllowedByFlavor((c: ResizeContext) => ({ flavor: c.flavor, gpus: c.facts.gpus })),
    ...quotaRules,
  ],
  /**
   * K2: the manual's summary "为处于运行中状态的虚拟机重装操作系统" is its only word on the state; the new
   * image must suit the VM as a created one would (C2, C3), and a system disk it makes larger must fit the disk quota.
   */
  reinstall: [
    ...live,
    runningOnly,
    imageAvailable((c: ReinstallContext) => ({ image: c.image, departmentId: c.vm.departmentId })),
    imageInstallable((c: ReinstallContext) => c.image),
    imageInService((c: ReinstallContext) => c.image),
    imageMinCores((c: ReinstallContext) => ({ image: c.image, cpus: c.vm.cpus })),
    sshKeyLinuxOnly((c: ReinstallContext) => ({ loginMethod: c.vm.loginMethod, osFamily: c.image.osFamily })),
    quotaDisk,
  ],
  /** K3: "当且仅当虚拟机处于“停止”状态时，支持将虚拟机创建为镜像". */
  "create-image": [...live, stoppedOnly],
  /** K4: "当且仅当虚拟机处于“停止”状态时，支持手工指定虚拟机的CPU Socket数量". */
  sockets: [...live, stoppedOnly, socketsDivideCpus((c: SocketsContext) => ({ sockets: c.sockets, cpus: c.vm.cpus }))],
}
