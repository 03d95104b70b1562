import type { NetworkBacking, NetworkKind } from "../model/index.ts"
import type { CreatedAt, Json } from "./columns.ts"

export interface NetworksTable {
  id: string
  name: string
  kind: NetworkKind
  departmentId: string | null
  backing: Json<NetworkBacking>
  createdAt: CreatedAt
}

export interface SubnetsTable {
  id: string
  networkId: string
  cidr: string
  gateway: string
  dhcp: boolean
  rangeStart: string
  rangeEnd: string
  reserved: Json<ReadonlyArray<string>>
  dns: Json<ReadonlyArray<string>>
}

export interface NicsTable {
  id: string
  vmId: string
  subnetId: string
  mac: string
  primaryIp: string
  secondaryIps: Json<ReadonlyArray<string>>
  isDefault: boolean
  dhcp: boolean
  createdAt: CreatedAt
}

/** IPAM's ledger (migration 2026_12_06_0020): one row per address a NIC holds. */
export interface IpAddressesTable {
  subnetId: string
  address: string
  nicId: string
  kind: "primary" | "secondary"
  createdAt: CreatedAt
}
