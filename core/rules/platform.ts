import { canSee, type Scoped } from "../auth/scope.ts"
import type { User } from "../model/org.ts"
import type { Actor } from "./context.ts"
import { defineRule, type Rule } from "./rule.ts"

/** What a role rule looks at. */
export interface ActorContext {
  readonly actor: Actor
}

/**
 * The manual: "仅超级管理员支持配置虚拟机的删除保护信息" (R7), "迁移虚拟机的功能只针对超级管理员开放" (R9),
 * "超级管理员可以将“回收站”中的虚拟机恢复使用" (B4, G3).
 */
export const superadminOnly: Rule<ActorContext> = defineRule({
  name: "superadmin-only",
  features: ["G1", "R7", "R9", "B4", "G3"],
  kind: "forbidden",
  message: { en: "Only a superadmin may do this", zh: "仅超级管理员可以执行此操作" },
  allows: ({ actor }) => actor.role === "superadmin",
})

/** "管理员可以进入回收站中对虚拟机进行管理" (B4, G3): an admin or a superadmin, each within their scope. */
export const adminOnly: Rule<ActorContext> = defineRule({
  name: "admin-only",
  features: ["G1", "G3"],
  kind: "forbidden",
  message: { en: "Only an administrator may do this", zh: "仅管理员可以执行此操作" },
  allows: ({ actor }) => actor.role !== "user",
})

/** A user as a resource of the actor's scope: users own themselves. */
export const userScope = (user: User): Scoped => ({
  companyId: user.companyId,
  departmentId: user.departmentId,
  ownerId: user.id,
})

/**
 * G1: who may be given a VM. A user creates for themself, an admin for users of their department, a superadmin
 * for anyone (C1 "所有者", R3 "变更所有者"). The same scope as reading, so nobody hands a VM outside their reach.
 */
export const ownerInScope = <C extends ActorContext>(ownerOf: (context: C) => User): Rule<C> =>
  defineRule<C>({
    name: "owner-in-scope",
    features: ["G1", "C1", "R3"],
    kind: "forbidden",
    message: {
      en: "You may not give a VM to this user: they are outside your scope",
      zh: "无权将虚拟机分配给该用户：该用户不在您的管理范围内",
    },
    allows: (context) => canSee(context.actor, userScope(ownerOf(context))),
  })

/** L7: the actions the list view offers on a selection. */
export const batchActions = ["start", "stop", "reboot", "delete", "snapshot"] as const
export type BatchAction = (typeof batchActions)[number]

export interface BatchContext extends ActorContext {
  readonly action: string
  readonly vmIds: ReadonlyArray<string>
}

export const batchAction: Rule<BatchContext> = defineRule({
  name: "batch-action",
  features: ["L7"],
  kind: "invalid",
  message: ({ action }) => ({
    en: `"${action}" cannot be done in a batch; a batch may start, stop, reboot, delete or snapshot`,
    zh: `不支持批量执行“${action}”；批量操作仅支持开机、关机、重启、删除或快照`,
  }),
  allows: ({ action }) => (batchActions as ReadonlyArray<string>).includes(action),
})

export const batchSelection: Rule<BatchContext> = defineRule({
  name: "batch-selection",
  features: ["L7"],
  kind: "invalid",
  message: { en: "Select at least one VM for a batch operation", zh: "批量操作请至少勾选一台虚拟机" },
  allows: ({ vmIds }) => vmIds.length > 0,
})
