import type { ColumnType } from "kysely"
import type { DiskBus, DiskFormat, DiskRole, Origin, Period, ScheduleTarget } from "../model/index.ts"
import type { CreatedAt, Int8, Json } from "./columns.ts"

type SnapshotState = "creating" | "ready" | "failed"

export interface DisksTable {
  id: string
  name: string
  departmentId: string
  ownerId: string
  hostId: string | null
  vmId: string | null
  role: DiskRole
  storageClass: string
  format: DiskFormat
  bus: DiskBus
  sizeGiB: number
  path: string
  backingPath: string | null
  perDay: number
  createdAt: CreatedAt
}

export interface SnapshotsTable {
  id: string
  vmId: string
  name: string
  withMemory: boolean
  origin: Origin
  scheduleId: string | null
  state: SnapshotState
  sizeBytes: Int8
  createdAt: CreatedAt
}

export interface BackupsTable {
  id: string
  diskId: string
  vmId: string | null
  kind: "full" | "incremental"
  parentId: string | null
  origin: Origin
  scheduleId: string | null
  location: string
  sizeBytes: Int8
  state: SnapshotState
  createdAt: CreatedAt
}

/** Read-only columns the database derives from the jsonb target, for filters and foreign keys. */
type Derived<T> = ColumnType<T, never, never>

export interface SchedulesTable {
  id: string
  target: Json<ScheduleTarget>
  kind: Derived<ScheduleTarget["kind"]>
  vmId: Derived<string | null>
  diskId: Derived<string | null>
  period: Period
  minute: number
  hour: number
  dayOfWeek: number
  dayOfMonth: number
  timeZone: string
  retention: number
  enabled: boolean
  lastRunAt: Date | null
  createdBy: string
  createdAt: CreatedAt
}
