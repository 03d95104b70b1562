import type { ColumnType } from "kysely"
import type { BootSource, ImageFormat, OsFamily } from "../model/index.ts"
import type { CreatedAt, Int8, Json, RetiredAt } from "./columns.ts"

export interface FlavorsTable {
  id: string
  name: string
  cpus: number
  memoryMiB: number
  gpuAllowed: boolean
  perDay: number
  createdAt: CreatedAt
  retiredAt: RetiredAt
}

export interface ImagesTable {
  id: string
  name: string
  osFamily: OsFamily
  osName: string
  format: ImageFormat
  location: string
  boot: Json<BootSource>
  minCores: number
  minDiskGiB: number
  perDay: number
  departmentId: string | null
  sourceVmId: string | null
  passwordManaged: boolean
  sizeBytes: Int8
  sha256: ColumnType<string | null, string | null | undefined, string | null>
  createdAt: CreatedAt
  retiredAt: RetiredAt
}
