import type { AffinityPolicy, HostDeviceKind, HostState } from "../model/index.ts"
import type { CreatedAt, Json } from "./columns.ts"

export interface HostsTable {
  id: string
  name: string
  zone: string
  pod: string
  address: string
  driver: string
  state: HostState
  cpus: number
  memoryMiB: number
  cpuOvercommitPercent: number
  memoryOvercommitPercent: number
  networkIds: Json<ReadonlyArray<string>>
  dedicatedDepartmentId: string | null
  heartbeatAt: Date | null
  agentStoppedAt: Date | null
  createdAt: CreatedAt
}

export interface HostDevicesTable {
  id: string
  hostId: string
  kind: HostDeviceKind
  address: string
  vendor: string
  model: string
  vendorId: string
  productId: string
  iommuGroup: string | null
  driver: string | null
  present: boolean
  vmId: string | null
}

export interface AffinityGroupsTable {
  id: string
  departmentId: string
  name: string
  policy: AffinityPolicy
  createdAt: CreatedAt
}
