import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import type { Department, Quota, QuotaUsage, ReclaimPolicy } from "../model/org.ts"
import { now } from "../operations/clock.ts"
import type { Actor } from "../rules/context.ts"
import { orgRules } from "../rules/org.ts"
import { checkRules } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"
import { visibleDepartment } from "./visibility.ts"

/** G2: a department with its quota, what it uses, and what is left (null: unlimited). */
export interface DepartmentView extends Department {
  readonly quota: Omit<Quota, "departmentId">
  readonly usage: QuotaUsage
  readonly remaining: { readonly [K in keyof QuotaUsage]: number | null }
}

const left = (limit: number | null, used: number) => (limit === null ? null : Math.max(0, limit - used))

const viewOf = Effect.fn("org.departmentView")(function* (department: Department) {
  const store = yield* Store
  const { departmentId: _, ...quota } = yield* store.quotas.get(department.id)
  const usage = yield* store.quotas.usage(department.id)
  const remaining = {
    cpus: left(quota.cpus, usage.cpus),
    memoryMiB: left(quota.memoryMiB, usage.memoryMiB),
    diskGiB: left(quota.diskGiB, usage.diskGiB),
    vmCount: left(quota.vmCount, usage.vmCount),
  }
  const view: DepartmentView = { ...department, quota, usage, remaining }
  return view
})

/** G1, G2: the departments the actor may see, each with its quota and use (the wizard's remaining quota, C7). */
export const listDepartments = Effect.fn("org.listDepartments")(function* (actor: Actor) {
  const store = yield* Store
  const all = yield* store.departments.list(actor.role === "superadmin" ? {} : { id: actor.departmentId })
  return yield* Effect.forEach(all, viewOf)
})

export const getDepartment = Effect.fn("org.getDepartment")(function* (actor: Actor, id: string) {
  return yield* viewOf(yield* visibleDepartment(actor, id))
})

export interface DepartmentInput {
  readonly companyId: string
  readonly name: string
  readonly reclaimPolicy?: ReclaimPolicy
  readonly reclaimNoticeDays?: number
}

/** G1: a superadmin opens a department in a company (unlimited quota until one is set). */
export const createDepartment = Effect.fn("org.createDepartment")(function* (actor: Actor, input: DepartmentInput) {
  const store = yield* Store
  yield* checkRules("org.department-create", orgRules["org.department-create"], { actor })
  yield* store.companies.get(input.companyId)
  const department = yield* store.departments.insert({
    id: randomUUID(),
    companyId: input.companyId,
    name: input.name,
    reclaimPolicy: input.reclaimPolicy ?? "notify-only",
    reclaimNoticeDays: input.reclaimNoticeDays ?? 3,
    createdAt: yield* now,
  })
  return yield* viewOf(department)
})

export type DepartmentPatch = Partial<Pick<Department, "name" | "reclaimPolicy" | "reclaimNoticeDays">>

/** G1, R5: a department's name and reclaim policy, by its admin or a superadmin. */
export const editDepartment = Effect.fn("org.editDepartment")(function* (
  actor: Actor,
  id: string,
  patch: DepartmentPatch,
) {
  const store = yield* Store
  const department = yield* visibleDepartment(actor, id)
  yield* checkRules("org.department-edit", orgRules["org.department-edit"], { actor, department })
  return yield* viewOf(yield* store.departments.update(id, patch))
})

/** G2: a department's quota (null: unlimited), set by a superadmin; lowering it below use stops new growth only. */
export const setQuota = Effect.fn("org.setQuota")(function* (
  actor: Actor,
  id: string,
  quota: Omit<Quota, "departmentId">,
) {
  const store = yield* Store
  const department = yield* visibleDepartment(actor, id)
  yield* checkRules("org.quota", orgRules["org.quota"], { actor, department })
  yield* store.quotas.set({ departmentId: id, ...quota })
  return yield* viewOf(department)
})
