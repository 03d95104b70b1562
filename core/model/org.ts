import { Schema } from "effect"
import { Id, MinorUnits, NonNegativeInt, Timestamp } from "./common.ts"

export const Role = Schema.Literals(["user", "admin", "superadmin"])
export type Role = typeof Role.Type

export const Company = Schema.Struct({
  id: Id,
  name: Schema.String,
  /** The company number ends generated batch names (C1: "-公司序号"). */
  number: Schema.String,
  createdAt: Timestamp,
})
export type Company = typeof Company.Type

/** What happens to a VM whose reclaim date has passed (R5). */
export const ReclaimPolicy = Schema.Literals(["notify-only", "stop", "recycle", "destroy"])
export type ReclaimPolicy = typeof ReclaimPolicy.Type

export const Department = Schema.Struct({
  id: Id,
  companyId: Id,
  name: Schema.String,
  reclaimPolicy: ReclaimPolicy,
  /** Days before the reclaim date when reminder mail goes out (R5). */
  reclaimNoticeDays: NonNegativeInt,
  createdAt: Timestamp,
})
export type Department = typeof Department.Type

export const User = Schema.Struct({
  id: Id,
  name: Schema.String,
  email: Schema.String,
  role: Role,
  companyId: Id,
  departmentId: Id,
  createdAt: Timestamp,
})
export type User = typeof User.Type

/** An API token: only the SHA-256 of the secret is stored. */
export const ApiToken = Schema.Struct({
  id: Id,
  userId: Id,
  name: Schema.String,
  secretHash: Schema.String,
  createdAt: Timestamp,
  lastUsedAt: Schema.NullOr(Timestamp),
  expiresAt: Schema.NullOr(Timestamp),
})
export type ApiToken = typeof ApiToken.Type

/** A department's quota (G2); null means unlimited. */
export const Quota = Schema.Struct({
  departmentId: Id,
  cpus: Schema.NullOr(NonNegativeInt),
  memoryMiB: Schema.NullOr(NonNegativeInt),
  diskGiB: Schema.NullOr(NonNegativeInt),
  vmCount: Schema.NullOr(NonNegativeInt),
})
export type Quota = typeof Quota.Type

/** What a department uses now, to compare with its quota. */
export const QuotaUsage = Schema.Struct({
  cpus: NonNegativeInt,
  memoryMiB: NonNegativeInt,
  diskGiB: NonNegativeInt,
  vmCount: NonNegativeInt,
})
export type QuotaUsage = typeof QuotaUsage.Type

/** Unit prices per day for what is not priced on its own row (M3). */
export const PriceItem = Schema.Literals(["disk-gib", "public-ip", "gpu", "service"])
export const Price = Schema.Struct({
  id: Id,
  item: PriceItem,
  /** Storage class for disk-gib, service name for service, empty otherwise. */
  variant: Schema.String,
  perDay: MinorUnits,
})
export type Price = typeof Price.Type
