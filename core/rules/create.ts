import type { Flavor, Image } from "../model/catalog.ts"
import type { KeyPair } from "../model/extras.ts"
import type { AffinityGroup } from "../model/host.ts"
import type { User } from "../model/org.ts"
import type { VmCreateRequest } from "../model/vm.ts"
import type { Actor } from "./context.ts"
import { haPriorityNeedsHa } from "./ha.ts"
import { nameFormat, passwordFormat, reclaimDateFuture, socketsDivideCpus } from "./inputs.ts"
import { hasNameTags, nameTagKeys } from "./naming.ts"
import { fixedIpAvailable, type NetworkChoice, networkAvailable, networkFreeIps, type SubnetFree } from "./networks.ts"
import { ownerInScope } from "./platform.ts"
import { type QuotaContext, type QuotaDemand, quotaRules } from "./quota.ts"
import {
  affinityGroupDepartment,
  domainJoinWindowsOnly,
  flavorInService,
  imageAvailable,
  imageInService,
  imageInstallable,
  imageMinCores,
  keyPairOwner,
  keyPairRequired,
  sshKeyLinuxOnly,
} from "./resources.ts"
import { defineRule, type Rule } from "./rule.ts"

export { autoSockets, batchNamePrefix, batchNames, type CpuTopology, cpuTopology, nameTagKeys } from "./naming.ts"

/** Everything the create rules (C1–C8, G1, G2) look at, resolved from the request by the operation. */
export interface CreateContext extends QuotaContext {
  readonly actor: Actor
  readonly request: VmCreateRequest
  readonly flavor: Flavor
  readonly image: Image
  /** The owner: the request's ownerId, or the actor. Quota and usage are of the owner's department. */
  readonly owner: User
  readonly keyPair: KeyPair | null
  readonly affinityGroups: ReadonlyArray<AffinityGroup>
  /** C3: without a dedicated host the VM goes to the host with the most free resources; never a refusal. */
  readonly hasDedicatedHost: boolean
  /** C6 manual mode; empty means auto. */
  readonly networks: ReadonlyArray<NetworkChoice>
  /** C6 auto: the subnet with the most free IPs, where every VM of the batch goes. */
  readonly autoSubnet: SubnetFree
  readonly now: Date
}

/** G2, C8: what the whole batch adds to the department; the system disk has the image's minimum size. */
export const createDemand = (request: VmCreateRequest, flavor: Flavor, image: Image): QuotaDemand => {
  const dataGiB = (request.dataDisks ?? []).reduce((sum, disk) => sum + disk.sizeGiB, 0)
  return {
    cpus: flavor.cpus * request.count,
    memoryMiB: flavor.memoryMiB * request.count,
    diskGiB: (image.minDiskGiB + dataGiB) * request.count,
    vmCount: request.count,
  }
}

/** C1: "批量创建虚拟机支持的最大创建数量为10台". */
export const batchCount: Rule<CreateContext> = defineRule({
  name: "batch-count",
  features: ["C1", "C8"],
  kind: "invalid",
  message: { en: "Create between 1 and 10 VMs at a time", zh: "批量创建虚拟机的数量应为1-10台" },
  allows: ({ request }) => Number.isInteger(request.count) && request.count >= 1 && request.count <= 10,
})

/** C1: "若创建多台虚拟机将自动命名" — several VMs never take a custom name. */
export const batchNameGenerated: Rule<CreateContext> = defineRule({
  name: "batch-name-generated",
  features: ["C1"],
  kind: "invalid",
  message: {
    en: "Several VMs are named from their resource tags; leave the name empty",
    zh: "批量创建虚拟机时，虚拟机名称根据资源标签自动生成，请勿填写名称",
  },
  allows: ({ request }) => request.count === 1 || request.name === undefined,
})

/** C1: names are generated (several VMs, or one without a name) from the app-group, app-role and app-type tags. */
export const nameTags: Rule<CreateContext> = defineRule({
  name: "name-tags",
  features: ["C1"],
  kind: "invalid",
  message: {
    en: `Generated names need the resource tags ${nameTagKeys.join(", ")} (letters, digits, _ or -, up to 20 each)`,
    zh: "自动生成名称需要资源标签“应用组”(app-group)、“应用角色”(app-role)和“应用类型”(app-type)",
  },
  allows: ({ request }) => (request.count === 1 && request.name !== undefined) || hasNameTags(request.tags),
})

/** C6: "用户可以设置多个网络IP，但需要指定一个默认IP". */
export const oneDefaultNetwork: Rule<CreateContext> = defineRule({
  name: "one-default-network",
  features: ["C6"],
  kind: "invalid",
  message: { en: "Mark exactly one chosen network as the default", zh: "请在所选网络中指定一个默认网络" },
  allows: ({ networks }) => networks.length === 0 || networks.filter((choice) => choice.isDefault).length === 1,
})

/** C6, C8: a fixed IP names one VM; a batch takes addresses from the pool. */
export const fixedIpSingleVm: Rule<CreateContext> = defineRule({
  name: "fixed-ip-single-vm",
  features: ["C6", "C8"],
  kind: "invalid",
  message: {
    en: "A fixed IP can be given only when creating one VM",
    zh: "仅创建单台虚拟机时支持自定义IP地址",
  },
  allows: ({ request, networks }) => request.count === 1 || networks.every((choice) => choice.fixedIp === null),
})

const loginMethodOf = (c: CreateContext) => c.request.loginMethod ?? "password"

export const createRules: ReadonlyArray<Rule<CreateContext>> = [
  batchCount,
  ownerInScope((c: CreateContext) => c.owner),
  batchNameGenerated,
  nameFormat((c: CreateContext) => c.request.name),
  nameTags,
  reclaimDateFuture((c: CreateContext) => ({ reclaimAt: c.request.reclaimAt, now: c.now })),
  haPriorityNeedsHa((c: CreateContext) => ({
    haEnabled: c.request.haEnabled ?? true,
    haPriority: c.request.haPriority,
  })),
  imageAvailable((c: CreateContext) => ({ image: c.image, departmentId: c.owner.departmentId })),
  flavorInService((c: CreateContext) => c.flavor),
  imageInService((c: CreateContext) => c.image),
  imageInstallable((c: CreateContext) => c.image),
  imageMinCores((c: CreateContext) => ({ image: c.image, cpus: c.flavor.cpus })),
  sshKeyLinuxOnly((c: CreateContext) => ({ loginMethod: loginMethodOf(c), osFamily: c.image.osFamily })),
  keyPairRequired((c: CreateContext) => ({ loginMethod: loginMethodOf(c), keyPair: c.keyPair })),
  keyPairOwner((c: CreateContext) => ({ keyPairs: c.keyPair ? [c.keyPair] : [], ownerId: c.owner.id })),
  passwordFormat((c: CreateContext) => c.request.password),
  socketsDivideCpus((c: CreateContext) => ({ sockets: c.request.sockets, cpus: c.flavor.cpus })),
  affinityGroupDepartment((c: CreateContext) => ({ groups: c.affinityGroups, departmentId: c.owner.departmentId })),
  domainJoinWindowsOnly((c: CreateContext) => ({ components: c.request.components ?? [], osFamily: c.image.osFamily })),
  networkAvailable((c: CreateContext) => ({
    networks: c.networks.map((choice) => choice.network),
    departmentId: c.owner.departmentId,
  })),
  oneDefaultNetwork,
  fixedIpSingleVm,
  networkFreeIps((c: CreateContext) => ({
    subnets:
      c.networks.length === 0
        ? [c.autoSubnet]
        : c.networks.map((choice) => ({ name: choice.network.name, freeIps: choice.freeIps })),
    needed: c.request.count,
  })),
  fixedIpAvailable((c: CreateContext) => c.networks.flatMap((choice) => (choice.fixedIp ? [choice.fixedIp] : []))),
  ...quotaRules,
]
