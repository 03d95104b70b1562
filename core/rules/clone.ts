import type { Disk } from "../model/storage.ts"
import type { Vm } from "../model/vm.ts"
import type { VmContext } from "./context.ts"
import { nameFormat, passwordFormat } from "./inputs.ts"
import { notRecycled, vmBusy } from "./lifecycle.ts"
import { networkFreeIps, type SubnetFree } from "./networks.ts"
import { type QuotaContext, type QuotaDemand, quotaRules } from "./quota.ts"
import { domainJoinWindowsOnly } from "./resources.ts"
import type { Rule } from "./rule.ts"

/** R8: a new display name and password; same config, NICs and disks (content included). */
export interface CloneContext extends VmContext, QuotaContext {
  readonly name: string
  /** null: a random password. */
  readonly password: string | null
  readonly components: ReadonlyArray<string>
  /** The source's subnets: the clone takes one new address in each. */
  readonly subnets: ReadonlyArray<SubnetFree>
}

/** G2: a clone adds a whole VM to the department: its CPUs, memory and every disk's size. */
export const cloneDemand = (vm: Vm, disks: ReadonlyArray<Disk>): QuotaDemand => ({
  cpus: vm.cpus,
  memoryMiB: vm.memoryMiB,
  diskGiB: disks.reduce((sum, disk) => sum + disk.sizeGiB, 0),
  vmCount: 1,
})

export const cloneRules: ReadonlyArray<Rule<CloneContext>> = [
  notRecycled,
  vmBusy,
  nameFormat((c: CloneContext) => c.name),
  passwordFormat((c: CloneContext) => c.password),
  domainJoinWindowsOnly((c: CloneContext) => ({ components: c.components, osFamily: c.osFamily })),
  networkFreeIps((c: CloneContext) => ({ subnets: c.subnets, needed: 1 })),
  ...quotaRules,
]
