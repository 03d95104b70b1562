import type { ReclaimPolicy, Role } from "../model/index.ts"
import type { CreatedAt } from "./columns.ts"

export interface CompaniesTable {
  id: string
  name: string
  number: string
  createdAt: CreatedAt
}

export interface DepartmentsTable {
  id: string
  companyId: string
  name: string
  reclaimPolicy: ReclaimPolicy
  reclaimNoticeDays: number
  createdAt: CreatedAt
}

export interface UsersTable {
  id: string
  name: string
  email: string
  role: Role
  companyId: string
  departmentId: string
  createdAt: CreatedAt
}

export interface ApiTokensTable {
  id: string
  userId: string
  name: string
  secretHash: string
  createdAt: CreatedAt
  lastUsedAt: Date | null
  expiresAt: Date | null
}

/** One row per department that has a quota; a missing row or a null column means unlimited. */
export interface QuotasTable {
  departmentId: string
  cpus: number | null
  memoryMiB: number | null
  diskGiB: number | null
  vmCount: number | null
}

export interface PricesTable {
  id: string
  item: "disk-gib" | "public-ip" | "gpu" | "service"
  variant: string
  perDay: number
}
