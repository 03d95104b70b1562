import type { Network, Nic } from "../model/network.ts"
import type { VmContext } from "./context.ts"
import { notRecycled, stoppedOnly, vmBusy } from "./lifecycle.ts"
import { defineRule, type Rule } from "./rule.ts"

/** #21: "1 free IP", "2 free IPs" (not "IP(s)"). */
const englishPlural = new Intl.PluralRules("en")

/** A fixed IP the user typed, as IPAM judged it. */
export interface FixedIp {
  readonly address: string
  /** Inside the subnet's range of handed-out addresses. */
  readonly inSubnet: boolean
  /** Nobody else holds it (a NIC keeping its own address counts as free). */
  readonly free: boolean
}

/** One network chosen for a VM (C6 manual mode, N1), with what IPAM knows of its subnet. */
export interface NetworkChoice {
  readonly network: Network
  readonly subnetId: string
  readonly freeIps: number
  readonly isDefault: boolean
  readonly dhcp: boolean
  readonly fixedIp: FixedIp | null
}

/** A subnet's free addresses, named for messages. */
export interface SubnetFree {
  readonly name: string
  readonly freeIps: number
}

/** C6, N1, G1: a shared network, or one of the department's own (isolated, VPC). */
export const networkAvailable = <C>(
  of: (context: C) => { readonly networks: ReadonlyArray<Network>; readonly departmentId: string },
): Rule<C> =>
  defineRule<C>({
    name: "network-available",
    features: ["C6", "N1", "G1"],
    kind: "forbidden",
    message: { en: "This network is not available to the VM's department", zh: "该网络不属于虚拟机所在部门，不可选择" },
    allows: (context) => {
      const { networks, departmentId } = of(context)
      return networks.every((network) => network.kind === "shared" || network.departmentId === departmentId)
    },
  })

/**
 * C6 "当网络可用IP为0不支持选择", C8 (all-or-nothing: the whole batch needs its addresses), N1, N3, and R8
 * "源虚拟机所使用的网卡IP地址不足时，克隆虚拟机失败".
 */
export const networkFreeIps = <C>(
  of: (context: C) => { readonly subnets: ReadonlyArray<SubnetFree>; readonly needed: number },
): Rule<C> =>
  defineRule<C>({
    name: "network-free-ips",
    features: ["C6", "C8", "N1", "N3", "R8"],
    kind: "conflict",
    message: (context) => {
      const { subnets, needed } = of(context)
      const short = subnets.find((subnet) => subnet.freeIps < needed)
      const name = short?.name ?? ""
      const free = short?.freeIps ?? 0
      return {
        en: `Network ${name} has ${free} free ${englishPlural.select(free) === "one" ? "IP" : "IPs"}; ${needed} needed`,
        zh: `网络 ${name} 可用IP数为 ${free}，需要 ${needed} 个`,
      }
    },
    allows: (context) => {
      const { subnets, needed } = of(context)
      return subnets.every((subnet) => subnet.freeIps >= needed)
    },
  })

/** C6, N2: a fixed IP lies in the subnet and is free. */
export const fixedIpAvailable = <C>(of: (context: C) => ReadonlyArray<FixedIp>): Rule<C> =>
  defineRule<C>({
    name: "fixed-ip-available",
    features: ["C6", "N2"],
    kind: "conflict",
    message: (context) => {
      const bad = of(context).find((ip) => !ip.inSubnet || !ip.free)
      const address = bad?.address ?? ""
      return bad?.inSubnet === false
        ? { en: `${address} is not an address of this network`, zh: `IP地址 ${address} 不在该网络的可用范围内` }
        : { en: `${address} is already in use`, zh: `IP地址 ${address} 已被占用` }
    },
    allows: (context) => of(context).every((ip) => ip.inSubnet && ip.free),
  })

/** N1: a VM joins each subnet once. */
export interface NicJoinContext extends VmContext {
  readonly choice: NetworkChoice
  readonly joinedSubnetIds: ReadonlyArray<string>
}

export const subnetAlreadyJoined: Rule<NicJoinContext> = defineRule({
  name: "subnet-already-joined",
  features: ["N1"],
  kind: "conflict",
  message: ({ choice }) => ({
    en: `The VM is already in network ${choice.network.name}`,
    zh: `虚拟机已加入网络 ${choice.network.name}`,
  }),
  allows: ({ choice, joinedSubnetIds }) => !joinedSubnetIds.includes(choice.subnetId),
})

/** A VM's NIC, with what IPAM knows of its subnet (N2–N6). */
export interface NicContext extends VmContext {
  readonly nic: Nic
  readonly subnet: SubnetFree
}

export interface NicIpContext extends NicContext {
  readonly ip: FixedIp
}

export interface SecondaryIpContext extends NicContext {
  readonly address: string
}

/** N4: only one of the NIC's own secondary IPs can be deleted (never the primary one). */
export const secondaryIpOfNic: Rule<SecondaryIpContext> = defineRule({
  name: "secondary-ip-of-nic",
  features: ["N4"],
  kind: "invalid",
  message: ({ address }) => ({
    en: `${address} is not a secondary IP of this network`,
    zh: `${address} 不是该网络的辅助IP`,
  }),
  allows: ({ nic, address }) => nic.secondaryIps.includes(address),
})

/** N4 (F9): deleting a secondary IP needs the NIC to have one; the first thing wrong on a NIC without any. */
export const secondaryIpExists: Rule<NicContext> = defineRule({
  name: "secondary-ip-exists",
  features: ["N4"],
  kind: "conflict",
  message: { en: "This network has no secondary IP", zh: "该网络没有辅助IP" },
  allows: ({ nic }) => nic.secondaryIps.length > 0,
})

/** N5 (F9): setting the default network on the one that already is would change nothing. */
export const networkAlreadyDefault: Rule<NicContext> = defineRule({
  name: "network-already-default",
  features: ["N5"],
  kind: "conflict",
  message: { en: "This is already the VM's default network", zh: "该网络已是虚拟机的默认网络" },
  allows: ({ nic }) => !nic.isDefault,
})

/** N6, C6: a VM keeps exactly one default network; set another as default before removing this one. */
export const notDefaultNetwork: Rule<NicContext> = defineRule({
  name: "not-default-network",
  features: ["N6", "C6"],
  kind: "conflict",
  message: {
    en: "This is the VM's default network; set another network as default before removing it",
    zh: "该网络为虚拟机的默认网络，请先将其他网络设为默认网络后再删除",
  },
  allows: ({ nic }) => !nic.isDefault,
})

/** What every NIC operation needs of the VM itself (N1–N6): outside the recycle bin, no operation running. */
export const nicVmRules = [notRecycled, vmBusy] as const
const live = nicVmRules

export interface NetworkRules {
  readonly join: ReadonlyArray<Rule<NicJoinContext>>
  readonly "edit-primary-ip": ReadonlyArray<Rule<NicIpContext>>
  readonly "add-secondary-ip": ReadonlyArray<Rule<NicContext>>
  readonly "remove-secondary-ip": ReadonlyArray<Rule<SecondaryIpContext>>
  readonly "set-default": ReadonlyArray<Rule<NicContext>>
  readonly remove: ReadonlyArray<Rule<NicContext>>
}

export const networkRules: NetworkRules = {
  join: [
    ...live,
    networkAvailable((c: NicJoinContext) => ({ networks: [c.choice.network], departmentId: c.vm.departmentId })),
    subnetAlreadyJoined,
    networkFreeIps((c: NicJoinContext) => ({
      subnets: [{ name: c.choice.network.name, freeIps: c.choice.freeIps }],
      needed: 1,
    })),
    fixedIpAvailable((c: NicJoinContext) => (c.choice.fixedIp ? [c.choice.fixedIp] : [])),
  ],
  "edit-primary-ip": [...live, stoppedOnly, fixedIpAvailable((c: NicIpContext) => [c.ip])],
  "add-secondary-ip": [...live, networkFreeIps((c: NicContext) => ({ subnets: [c.subnet], needed: 1 }))],
  "remove-secondary-ip": [...live, secondaryIpExists, secondaryIpOfNic],
  /** N5 states no precondition but a target that is not the default yet; the others lose the flag in the same write. */
  "set-default": [...live, networkAlreadyDefault],
  remove: [...live, notDefaultNetwork],
}
