import { randomUUID } from "node:crypto"
import { Effect, Schema } from "effect"
import { issueToken } from "../../core/auth/tokens.ts"
import { ReclaimPolicy, Role, type User } from "../../core/model/org.ts"
import { now } from "../../core/operations/clock.ts"
import { Store } from "../../core/store/ports.ts"
import { AdminError, findCompany, findDepartment, findUser, findUserOption } from "./admin-lookup.ts"

const Name = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(64))

/** The admin verbs, as the CLI decodes them; they run in the store (the running agent's embedded server, or one of their own). */
export const AdminRequest = Schema.Union([
  Schema.Struct({
    verb: Schema.Literal("token.create"),
    user: Schema.optionalKey(Name),
    role: Schema.optionalKey(Role),
    department: Schema.optionalKey(Name),
    name: Schema.optionalKey(Name),
    expiresDays: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 3650 }))),
    /** A portal's session token (#21): seconds it lives, as POST /tokens' ttlSeconds. */
    ttlSeconds: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 5, maximum: 86_400 }))),
  }),
  Schema.Struct({ verb: Schema.Literal("token.list"), user: Schema.optionalKey(Name) }),
  Schema.Struct({ verb: Schema.Literal("token.revoke"), id: Name }),
  Schema.Struct({
    verb: Schema.Literal("user.create"),
    name: Name,
    role: Role,
    department: Name,
    email: Schema.optionalKey(Name),
  }),
  Schema.Struct({ verb: Schema.Literal("user.list"), department: Schema.optionalKey(Name) }),
  Schema.Struct({ verb: Schema.Literal("org.list") }),
  Schema.Struct({ verb: Schema.Literal("company.create"), name: Name, number: Name }),
  Schema.Struct({
    verb: Schema.Literal("department.create"),
    name: Name,
    company: Schema.optionalKey(Name),
    reclaimPolicy: Schema.optionalKey(ReclaimPolicy),
  }),
])
export type AdminRequest = typeof AdminRequest.Type
type Request<V extends AdminRequest["verb"]> = Extract<AdminRequest, { verb: V }>

const userView = (user: User, departmentName: string) => ({
  id: user.id,
  name: user.name,
  email: user.email,
  role: user.role,
  department: departmentName,
})

const createUser = Effect.fn("admin.createUser")(function* (
  name: string,
  role: User["role"],
  departmentRef: string,
  email?: string,
) {
  const store = yield* Store
  const department = yield* findDepartment(departmentRef)
  if ((yield* findUserOption(name)) !== undefined) {
    return yield* new AdminError({ message: `A user named "${name}" exists already` })
  }
  const user = yield* store.users.insert({
    id: randomUUID(),
    name,
    email: email ?? `${name}@localhost`,
    role,
    companyId: department.companyId,
    departmentId: department.id,
    createdAt: yield* now,
  })
  return { user, department }
})

/**
 * `--user NAME` names the token's user; a user that does not exist yet is made when `--role` and `--department`
 * are given. Without `--user`, the user is `<role>-<department>` (made on first use).
 */
const tokenUser = Effect.fn("admin.tokenUser")(function* (request: Request<"token.create">) {
  const store = yield* Store
  const name = request.user ?? (request.role && request.department && `${request.role}-${request.department}`)
  if (!name) {
    return yield* new AdminError({ message: "Say whose token: --user NAME, or --role ROLE --department DEPARTMENT" })
  }
  const existing = yield* findUserOption(name)
  if (existing !== undefined) {
    const department = yield* store.departments.get(existing.departmentId)
    const wrongDepartment =
      request.department !== undefined && ![department.id, department.name].includes(request.department)
    if ((request.role !== undefined && request.role !== existing.role) || wrongDepartment) {
      return yield* new AdminError({
        message: `${existing.name} is a ${existing.role} of department ${department.name}; leave out --role and --department, or pick another --user`,
      })
    }
    return { user: existing, department, created: false }
  }
  if (request.role === undefined || request.department === undefined) {
    return yield* new AdminError({
      message: `No user "${name}"; give --role and --department to make one`,
    })
  }
  return { ...(yield* createUser(name, request.role, request.department)), created: true }
})

const tokenCreate = Effect.fn("admin.tokenCreate")(function* (request: Request<"token.create">) {
  const { user, department, created } = yield* tokenUser(request)
  if (request.expiresDays !== undefined && request.ttlSeconds !== undefined) {
    return yield* new AdminError({ message: "Give --expires-days or --ttl, not both" })
  }
  const at = yield* now
  const lifeMs =
    request.ttlSeconds !== undefined
      ? request.ttlSeconds * 1000
      : request.expiresDays !== undefined
        ? request.expiresDays * 86_400_000
        : undefined
  const expiresAt = lifeMs === undefined ? null : new Date(at.getTime() + lifeMs)
  const { token, secret } = yield* issueToken(user.id, request.name ?? "hyperx token create", expiresAt)
  return { user: userView(user, department.name), userCreated: created, tokenId: token.id, expiresAt, secret }
})

const tokenList = Effect.fn("admin.tokenList")(function* (request: Request<"token.list">) {
  const store = yield* Store
  const users = request.user === undefined ? yield* store.users.list() : [yield* findUser(request.user)]
  const names = new Map(users.map((user) => [user.id, user.name]))
  const tokens = yield* Effect.forEach(users, (user) => store.apiTokens.list({ userId: user.id }))
  return tokens.flat().map((token) => ({
    id: token.id,
    user: names.get(token.userId) ?? token.userId,
    name: token.name,
    createdAt: token.createdAt,
    lastUsedAt: token.lastUsedAt,
    expiresAt: token.expiresAt,
  }))
})

const tokenRevoke = Effect.fn("admin.tokenRevoke")(function* (request: Request<"token.revoke">) {
  const store = yield* Store
  yield* store.apiTokens
    .get(request.id)
    .pipe(Effect.catchTag("NotFound", () => Effect.fail(new AdminError({ message: `No token ${request.id}` }))))
  yield* store.apiTokens.remove(request.id)
  return { revoked: request.id }
})

const userList = Effect.fn("admin.userList")(function* (request: Request<"user.list">) {
  const store = yield* Store
  const departments = new Map((yield* store.departments.list()).map((d) => [d.id, d.name]))
  const filter =
    request.department === undefined ? {} : { departmentId: (yield* findDepartment(request.department)).id }
  return (yield* store.users.list(filter)).map((user) => userView(user, departments.get(user.departmentId) ?? "?"))
})

const orgList = Effect.fn("admin.orgList")(function* () {
  const store = yield* Store
  const departments = yield* store.departments.list()
  return (yield* store.companies.list()).map((company) => ({
    id: company.id,
    name: company.name,
    number: company.number,
    departments: departments
      .filter((d) => d.companyId === company.id)
      .map((d) => ({ id: d.id, name: d.name, reclaimPolicy: d.reclaimPolicy })),
  }))
})

const companyCreate = Effect.fn("admin.companyCreate")(function* (request: Request<"company.create">) {
  const store = yield* Store
  if ((yield* store.companies.list()).some((c) => c.name === request.name)) {
    return yield* new AdminError({ message: `A company named "${request.name}" exists already` })
  }
  return yield* store.companies.insert({
    id: randomUUID(),
    name: request.name,
    number: request.number,
    createdAt: yield* now,
  })
})

const departmentCreate = Effect.fn("admin.departmentCreate")(function* (request: Request<"department.create">) {
  const store = yield* Store
  const company = yield* findCompany(request.company)
  const siblings = yield* store.departments.list({ companyId: company.id })
  if (siblings.some((d) => d.name === request.name)) {
    return yield* new AdminError({ message: `${company.name} has a department "${request.name}" already` })
  }
  return yield* store.departments.insert({
    id: randomUUID(),
    companyId: company.id,
    name: request.name,
    reclaimPolicy: request.reclaimPolicy ?? "notify-only",
    reclaimNoticeDays: 3,
    createdAt: yield* now,
  })
})

/** Carries out one admin command against the store; the result is plain JSON for the CLI to print. */
export const runAdminCommand = (request: AdminRequest): Effect.Effect<unknown, unknown, Store> => {
  switch (request.verb) {
    case "token.create":
      return tokenCreate(request)
    case "token.list":
      return tokenList(request)
    case "token.revoke":
      return tokenRevoke(request)
    case "user.create":
      return createUser(request.name, request.role, request.department, request.email).pipe(
        Effect.map(({ user, department }) => userView(user, department.name)),
      )
    case "user.list":
      return userList(request)
    case "org.list":
      return orgList()
    case "company.create":
      return companyCreate(request)
    case "department.create":
      return departmentCreate(request)
  }
}
