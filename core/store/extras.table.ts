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
