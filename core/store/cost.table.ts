import type { Holding } from "../cost/holding.ts"
import type { NullableJson } from "./columns.ts"

export interface VmHoldingsTable {
  vmId: string
  since: Date
  holding: NullableJson<Holding>
}

export interface VmDailyCostsTable {
  vmId: string
  day: string
  companyId: string
  departmentId: string
  flavor: number
  storage: number
  image: number
  publicIp: number
  services: number
  gpu: number
  total: number
  computedAt: Date
}
