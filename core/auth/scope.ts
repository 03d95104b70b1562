import type { Role } from "../model/org.ts"
import type { Actor } from "../rules/context.ts"

/** What a resource carries that scoping looks at. */
export interface Scoped {
  readonly companyId: string
  readonly departmentId: string
  readonly ownerId: string
}

/**
 * G1: a user sees what they own, an admin what their department holds, a superadmin everything.
 * Anything outside the scope is reported as not found, so its existence is never revealed.
 */
export const canSee = (actor: Actor, resource: Scoped): boolean => {
  switch (actor.role) {
    case "superadmin":
      return true
    case "admin":
      return resource.departmentId === actor.departmentId
    case "user":
      return resource.ownerId === actor.userId
  }
}

/** The equality filter a list query adds for the actor's scope; `mine` narrows an admin to what they own (L1). */
export const scopeFilter = (
  actor: Actor,
  mine = false,
): { readonly departmentId?: string; readonly ownerId?: string } => {
  if (mine || actor.role === "user") return { ownerId: actor.userId }
  if (actor.role === "admin") return { departmentId: actor.departmentId }
  return {}
}

export const roleRank: Record<Role, number> = { user: 0, admin: 1, superadmin: 2 }
