import { Hono } from "hono"
import {
  createCompany,
  createDepartment,
  createUser,
  editDepartment,
  getDepartment,
  issueTokenFor,
  listCompanies,
  listDepartments,
  listTokens,
  listUsers,
  revokeToken,
  setQuota,
} from "../../core/org/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import {
  CompanyBody,
  CompanySchema,
  DepartmentBody,
  DepartmentPatchBody,
  DepartmentSchema,
  IssuedTokenSchema,
  QuotaBody,
  TokenBody,
  TokenSchema,
  TokensQuery,
  UserBody,
  UserSchema,
  UsersQuery,
} from "../org/views.ts"
import { itemsOf } from "../storage/views.ts"
import { IdParam } from "../validation/schemas.ts"
import { jsonBody, pathParams, queryParams } from "../validation/validators.ts"

const tag = "Organisation"
const refusals = [400, 403, 404, 409, 415, 422]

/** /api/v1/companies (G1). */
export const companyRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/",
      doc({
        tag,
        summary: "Companies: all for a superadmin, one's own otherwise (G1)",
        ok: { 200: json("Companies", itemsOf(CompanySchema)) },
      }),
      async (c) => c.json({ items: await runEffect(c, listCompanies(c.var.actor)) }),
    )
    .post(
      "/",
      doc({
        tag,
        summary: "Add a company (G1; superadmin-only, company-number-taken)",
        ok: { 201: json("The company", CompanySchema) },
        errors: refusals,
      }),
      jsonBody(CompanyBody),
      async (c) => c.json(await runEffect(c, createCompany(c.var.actor, c.req.valid("json"))), 201),
    )

/** /api/v1/departments (G1, G2, R5). */
export const departmentRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/",
      doc({
        tag,
        summary: "Departments with quota, use and what is left: all for a superadmin, one's own otherwise (G1, G2, C7)",
        ok: { 200: json("Departments", itemsOf(DepartmentSchema)) },
      }),
      async (c) => c.json({ items: await runEffect(c, listDepartments(c.var.actor)) }),
    )
    .get(
      "/:id",
      doc({
        tag,
        summary: "One department with its quota and use (G2)",
        ok: { 200: json("The department", DepartmentSchema) },
        errors: [400, 404],
      }),
      pathParams(IdParam),
      async (c) => c.json(await runEffect(c, getDepartment(c.var.actor, c.req.valid("param").id))),
    )
    .post(
      "/",
      doc({
        tag,
        summary: "Open a department in a company, unlimited until a quota is set (G1; superadmin-only)",
        ok: { 201: json("The department", DepartmentSchema) },
        errors: refusals,
      }),
      jsonBody(DepartmentBody),
      async (c) => c.json(await runEffect(c, createDepartment(c.var.actor, c.req.valid("json"))), 201),
    )
    .patch(
      "/:id",
      doc({
        tag,
        summary:
          "Rename a department or set its reclaim policy and notice days (G1, R5; admin-only, department-in-scope)",
        ok: { 200: json("The department", DepartmentSchema) },
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(DepartmentPatchBody),
      async (c) =>
        c.json(await runEffect(c, editDepartment(c.var.actor, c.req.valid("param").id, c.req.valid("json")))),
    )
    .put(
      "/:id/quota",
      doc({
        tag,
        summary: "Set a department's quota: CPUs, memory, disk, VM count; null is unlimited (G2; superadmin-only)",
        description:
          "Enforced atomically on create, clone, resize and disk create. A quota below what the department uses " +
          "refuses new growth only; nothing running is touched.",
        ok: { 200: json("The department", DepartmentSchema) },
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(QuotaBody),
      async (c) => c.json(await runEffect(c, setQuota(c.var.actor, c.req.valid("param").id, c.req.valid("json")))),
    )

/** /api/v1/users (G1). */
export const userRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/",
      doc({
        tag,
        summary: "Users: oneself, one's department (admin), everyone (superadmin) (G1)",
        ok: { 200: json("Users", itemsOf(UserSchema)) },
        errors: [400],
      }),
      queryParams(UsersQuery),
      async (c) => c.json({ items: await runEffect(c, listUsers(c.var.actor, c.req.valid("query").departmentId)) }),
    )
    .post(
      "/",
      doc({
        tag,
        summary: "Add a user (G1; admin-only, department-in-scope, role-within-reach, email-taken)",
        ok: { 201: json("The user", UserSchema) },
        errors: refusals,
      }),
      jsonBody(UserBody),
      async (c) => c.json(await runEffect(c, createUser(c.var.actor, c.req.valid("json"))), 201),
    )

/** /api/v1/tokens (G1). */
export const tokenRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/",
      doc({
        tag,
        summary:
          "API tokens of the users one manages (oneself; an admin's department; everyone), never their secrets (G1)",
        ok: { 200: json("Tokens, newest first", itemsOf(TokenSchema)) },
        errors: [400, 404],
      }),
      queryParams(TokensQuery),
      async (c) => c.json({ items: await runEffect(c, listTokens(c.var.actor, c.req.valid("query").userId)) }),
    )
    .post(
      "/",
      doc({
        tag,
        summary: "Issue a token, optionally expiring; the secret is in this answer only (G1)",
        ok: { 201: json("The token and its secret", IssuedTokenSchema) },
        errors: refusals,
      }),
      jsonBody(TokenBody),
      async (c) => c.json(await runEffect(c, issueTokenFor(c.var.actor, c.req.valid("json"))), 201),
    )
    .delete(
      "/:id",
      doc({ tag, summary: "Revoke a token at once (G1)", ok: { 204: { description: "Revoked" } }, errors: [400, 404] }),
      pathParams(IdParam),
      async (c) => {
        await runEffect(c, revokeToken(c.var.actor, c.req.valid("param").id))
        return c.body(null, 204)
      },
    )
