import type { Generated } from "kysely"
import type { LoginMethod, Tags, VmState } from "../model/index.ts"
import type { CreatedAt, Json } from "./columns.ts"

/** Vm.affinityGroupIds lives in vm_affinity_groups, so that removing a group drops its memberships. */
export interface VmsTable {
  id: string
  displayName: string
  hostname: string
  ownerId: string
  companyId: string
  departmentId: string
  tags: Json<Tags>
  remarks: string
  reclaimAt: Date | null
  haEnabled: boolean
  /** R12: the HA restart order, higher first (migration 0140). */
  haPriority: Generated<number>
  deletionProtected: boolean
  loginMethod: LoginMethod
  keyPairId: string | null
  passwordCipher: string | null
  passwordPending: Generated<boolean>
  flavorId: string
  imageId: string
  cpus: number
  sockets: number
  coresPerSocket: number
  memoryMiB: number
  state: VmState
  stateReason: string
  hostId: string | null
  zone: string
  pod: string
  dedicatedHost: boolean
  components: Json<ReadonlyArray<string>>
  monitoringInstalled: boolean
  isoImageId: string | null
  recycledAt: Date | null
  createdBy: string
  createdAt: CreatedAt
  updatedAt: CreatedAt
  version: Generated<number>
  /** The GiB of the disks attached to the VM (migration 0008), kept by the store with every disk write. */
  diskGiB: Generated<number>
  /** The primary IP of the VM's default NIC (migration 0190), kept by PostgreSQL from nics: the list's IP search. */
  defaultIp: Generated<string | null>
}

/** A VM's affinity groups, in the order the VM lists them. */
export interface VmAffinityGroupsTable {
  vmId: string
  affinityGroupId: string
  position: number
}
