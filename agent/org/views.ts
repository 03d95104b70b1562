import { Schema } from "effect"
import { ApiToken, Company, Department, Quota, QuotaUsage, ReclaimPolicy, Role, User } from "../../core/model/org.ts"
import { ApiId, Text } from "../validation/schemas.ts"

const Name = Text(64).check(Schema.isMinLength(1))
const Limit = Schema.NullOr(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 100_000_000 }))).annotate({
  description: "A whole number ≥ 0, or null for unlimited",
})
const NoticeDays = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 365 })).annotate({
  description: "Days before a VM's reclaim date when its owner is reminded (R5), 0–365",
})
const ExpiresDays = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 3650 })).annotate({
  description: "Days the token lives, 1–3650; none: until revoked",
})
/** #21 portal sign-in: a short-lived token for the page of a signed-in user. */
const TtlSeconds = Schema.Int.check(Schema.isBetween({ minimum: 5, maximum: 86_400 })).annotate({
  description: "Seconds the token lives, 5–86400 (a portal's session token); not with expiresDays",
})
const Email = Text(254)
  .check(Schema.isPattern(/^[^\s@]+@[^\s@]+$/))
  .annotate({ description: "Where alarm and reclaim mail goes; one user per address" })

export const CompanySchema = Company.annotate({ identifier: "Company" })
export const CompanyBody = Schema.Struct({
  name: Name,
  number: Text(32)
    .check(Schema.isPattern(/^[A-Za-z0-9]+$/))
    .annotate({ description: "Ends the company's generated batch names (C1); letters and digits, unique" }),
}).annotate({ identifier: "CompanyInput" })

const QuotaFields = Schema.Struct({
  cpus: Limit,
  memoryMiB: Limit,
  diskGiB: Limit,
  vmCount: Limit,
})
export const QuotaBody = QuotaFields.annotate({ identifier: "QuotaInput" })

export const DepartmentSchema = Schema.Struct({
  ...Department.fields,
  quota: Schema.Struct(Quota.mapFields(({ departmentId: _, ...rest }) => rest).fields),
  usage: QuotaUsage,
  remaining: QuotaFields.annotate({ description: "What the quota leaves (null: unlimited)" }),
}).annotate({ identifier: "Department" })

export const DepartmentBody = Schema.Struct({
  companyId: ApiId,
  name: Name,
  reclaimPolicy: Schema.optionalKey(ReclaimPolicy),
  reclaimNoticeDays: Schema.optionalKey(NoticeDays),
}).annotate({ identifier: "DepartmentInput" })

export const DepartmentPatchBody = Schema.Struct({
  name: Schema.optionalKey(Name),
  reclaimPolicy: Schema.optionalKey(ReclaimPolicy),
  reclaimNoticeDays: Schema.optionalKey(NoticeDays),
}).annotate({ identifier: "DepartmentPatch" })

export const UserSchema = User.annotate({ identifier: "User" })
export const UserBody = Schema.Struct({ name: Name, email: Email, role: Role, departmentId: ApiId }).annotate({
  identifier: "UserInput",
})
export const UsersQuery = Schema.Struct({ departmentId: Schema.optionalKey(ApiId) })

export const TokenSchema = ApiToken.mapFields(({ secretHash: _, ...rest }) => rest).annotate({ identifier: "Token" })
export const TokenBody = Schema.Struct({
  name: Name,
  userId: Schema.optionalKey(ApiId.annotate({ description: "Another user's token (admin: their department's)" })),
  expiresDays: Schema.optionalKey(ExpiresDays),
  ttlSeconds: Schema.optionalKey(TtlSeconds),
}).annotate({ identifier: "TokenInput" })
export const IssuedTokenSchema = Schema.Struct({
  token: TokenSchema,
  secret: Schema.String.annotate({ description: "The bearer secret, shown this once; only its hash is kept" }),
}).annotate({ identifier: "IssuedToken" })
export const TokensQuery = Schema.Struct({ userId: Schema.optionalKey(ApiId) })
