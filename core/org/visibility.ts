import { Effect } from "effect"
import { NotFound } from "../errors.ts"
import type { Actor } from "../rules/context.ts"
import { Store } from "../store/ports.ts"

/** G1: a superadmin sees every department; everyone else their own. Others read as not found (never revealed). */
export const visibleDepartment = Effect.fn("org.visibleDepartment")(function* (actor: Actor, id: string) {
  const store = yield* Store
  const department = yield* store.departments.get(id)
  if (actor.role !== "superadmin" && department.id !== actor.departmentId) {
    return yield* new NotFound({ resource: "department", id })
  }
  return department
})
