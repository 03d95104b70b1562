import { canSee, roleRank } from "../auth/scope.ts"
import type { Department, Role, User } from "../model/org.ts"
import { type ActorContext, adminOnly, superadminOnly, userScope } from "./platform.ts"
import { defineRule, type Rule } from "./rule.ts"

/** G1: what an organisation edit looks at: who asks and the department concerned. */
export interface DepartmentContext extends ActorContext {
  readonly department: Department
}

/** G1: a new user's department and role. */
export interface NewUserContext extends DepartmentContext {
  readonly role: Role
}

/** G1: the user a token is issued to or revoked from. */
export interface TokenUserContext extends ActorContext {
  readonly user: User
}

/** G1: an admin manages their own department; a superadmin every department. */
export const departmentInScope: Rule<DepartmentContext> = defineRule({
  name: "department-in-scope",
  features: ["G1"],
  kind: "forbidden",
  message: { en: "This department is outside your scope", zh: "该部门不在您的管理范围内" },
  allows: ({ actor, department }) => actor.role === "superadmin" || actor.departmentId === department.id,
})

/** G1: nobody makes a user of a role above their own (an admin cannot make a superadmin). */
export const roleWithinReach: Rule<NewUserContext> = defineRule({
  name: "role-within-reach",
  features: ["G1"],
  kind: "forbidden",
  message: ({ role }) => ({
    en: `You may not create a user with the role ${role}`,
    zh: `无权创建角色为 ${role} 的用户`,
  }),
  allows: ({ actor, role }) => roleRank[role] <= roleRank[actor.role],
})

/** G1: tokens for oneself; an admin also for the users of their department; a superadmin for anyone. */
export const tokenUserInScope: Rule<TokenUserContext> = defineRule({
  name: "user-in-scope",
  features: ["G1"],
  kind: "forbidden",
  message: { en: "This user is outside your scope", zh: "该用户不在您的管理范围内" },
  allows: ({ actor, user }) => canSee(actor, userScope(user)),
})

/** G1: what a new company or user would collide with. */
export interface UniqueContext extends ActorContext {
  readonly taken: boolean
  readonly value: string
}

/** G1: a company number ends generated batch names (C1), so two companies never share one. */
export const companyNumberFree: Rule<UniqueContext> = defineRule({
  name: "company-number-taken",
  features: ["G1", "C1"],
  kind: "conflict",
  message: ({ value }) => ({ en: `A company numbered ${value} exists already`, zh: `公司序号 ${value} 已存在` }),
  allows: ({ taken }) => !taken,
})

/** G1: a user's address is where alarm and reclaim mail goes; one user per address. */
export const emailFree: Rule<UniqueContext> = defineRule({
  name: "email-taken",
  features: ["G1"],
  kind: "conflict",
  message: ({ value }) => ({ en: `A user with the address ${value} exists already`, zh: `邮箱 ${value} 已被使用` }),
  allows: ({ taken }) => !taken,
})

/** G1, G2: the organisation's operations, each with its rules in the order they are checked. */
export const orgRules = {
  /** G1: flavors and images: added, retired and brought back by a superadmin. */
  "org.catalog": [superadminOnly] as ReadonlyArray<Rule<ActorContext>>,
  "org.company": [superadminOnly, companyNumberFree] as ReadonlyArray<Rule<UniqueContext>>,
  "org.department-create": [superadminOnly] as ReadonlyArray<Rule<ActorContext>>,
  "org.department-edit": [adminOnly, departmentInScope] as ReadonlyArray<Rule<DepartmentContext>>,
  /** G2: a department's admin raising their own quota would defeat it: the platform's superadmin sets quotas. */
  "org.quota": [superadminOnly] as ReadonlyArray<Rule<DepartmentContext>>,
  "org.user-create": [adminOnly, departmentInScope, roleWithinReach, emailFree] as ReadonlyArray<
    Rule<NewUserContext & UniqueContext>
  >,
  "org.token": [tokenUserInScope] as ReadonlyArray<Rule<TokenUserContext>>,
} as const
