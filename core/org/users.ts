import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { scopeFilter } from "../auth/scope.ts"
import type { Role } from "../model/org.ts"
import { now } from "../operations/clock.ts"
import type { Actor } from "../rules/context.ts"
import { orgRules } from "../rules/org.ts"
import { Store } from "../store/ports.ts"
import { insertUnique } from "./unique.ts"
import { visibleDepartment } from "./visibility.ts"

/** G1: a user sees themself, an admin their department's users, a superadmin everyone (or one department's). */
export const listUsers = Effect.fn("org.listUsers")(function* (actor: Actor, departmentId?: string) {
  const store = yield* Store
  const scope = scopeFilter(actor)
  const filter =
    scope.ownerId !== undefined
      ? { id: scope.ownerId }
      : { ...(scope.departmentId !== undefined ? { departmentId: scope.departmentId } : {}) }
  const users = yield* store.users.list(departmentId === undefined ? filter : { ...filter, departmentId })
  return [...users].sort((a, b) => a.name.localeCompare(b.name))
})

export interface UserInput {
  readonly name: string
  readonly email: string
  readonly role: Role
  readonly departmentId: string
}

/** G1: an admin adds users (and admins) to their department; a superadmin anyone anywhere. */
export const createUser = Effect.fn("org.createUser")(function* (actor: Actor, input: UserInput) {
  const store = yield* Store
  const department = yield* visibleDepartment(actor, input.departmentId)
  const createdAt = yield* now
  return yield* insertUnique(
    "org.user-create",
    orgRules["org.user-create"],
    { actor, department, role: input.role, value: input.email },
    Effect.map(store.users.list({ email: input.email }), (found) => found.length > 0),
    store.users.insert({
      id: randomUUID(),
      name: input.name,
      email: input.email,
      role: input.role,
      companyId: department.companyId,
      departmentId: department.id,
      createdAt,
    }),
  )
})
