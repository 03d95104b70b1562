import type { AlarmMetric } from "../model/index.ts"
import type { CreatedAt, Json } from "./columns.ts"

export interface KeyPairsTable {
  id: string
  userId: string
  name: string
  publicKey: string
  fingerprint: string
  createdAt: CreatedAt
}

/** X5: the key pairs a VM holds, in the order chosen (migration 0220). */
export interface VmKeyPairsTable {
  vmId: string
  keyPairId: string
  position: number
}

export interface AlarmRulesTable {
  id: string
  vmId: string
  metric: AlarmMetric
  thresholdPercent: number
  durationMinutes: number
  recipientUserIds: Json<ReadonlyArray<string>>
  enabled: boolean
  lastFiredAt: Date | null
  createdAt: CreatedAt
}
