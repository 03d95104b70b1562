import { Effect, Schema } from "effect"
import type { Company, Department, User } from "../../core/model/index.ts"
import { Store } from "../../core/store/ports.ts"

/** An admin command that cannot be carried out as asked; the message says what to do instead. */
export class AdminError extends Schema.TaggedError<AdminError>()("AdminError", { message: Schema.String }) {}

const byIdOrName = <T extends { readonly id: string; readonly name: string }>(
  kind: string,
  ref: string,
  rows: ReadonlyArray<T>,
  describe: (row: T) => string,
) => {
  const exact = rows.find((row) => row.id === ref)
  if (exact !== undefined) return Effect.succeed(exact)
  const named = rows.filter((row) => row.name === ref)
  if (named.length === 1 && named[0] !== undefined) return Effect.succeed(named[0])
  if (named.length === 0) return Effect.succeed(undefined)
  return Effect.fail(
    new AdminError({
      message: `Several ${kind}s are named "${ref}"; give the id instead: ${named.map(describe).join(", ")}`,
    }),
  )
}

const missing = (kind: string, ref: string, hint: string) => new AdminError({ message: `No ${kind} "${ref}". ${hint}` })

export const findCompany = Effect.fn("admin.findCompany")(function* (ref: string | undefined) {
  const store = yield* Store
  const companies = yield* store.companies.list()
  if (ref === undefined) {
    const [only, ...others] = companies
    if (only !== undefined && others.length === 0) return only
    return yield* new AdminError({
      message:
        companies.length === 0
          ? "There is no company yet; make one with `hyperx company create --name NAME --number NN`"
          : `Say which company: --company ${companies.map((c) => c.name).join(" | ")}`,
    })
  }
  const company = yield* byIdOrName("company", ref, companies, (c: Company) => `${c.id} (${c.number})`)
  return company ?? (yield* missing("company", ref, "`hyperx org list` shows them."))
})

export const findDepartment = Effect.fn("admin.findDepartment")(function* (ref: string) {
  const store = yield* Store
  const departments = yield* store.departments.list()
  const department = yield* byIdOrName("department", ref, departments, (d: Department) => `${d.id}`)
  return department ?? (yield* missing("department", ref, "`hyperx org list` shows them."))
})

export const findUserOption = Effect.fn("admin.findUserOption")(function* (ref: string) {
  const store = yield* Store
  return yield* byIdOrName("user", ref, yield* store.users.list(), (u: User) => `${u.id} (${u.role})`)
})

export const findUser = Effect.fn("admin.findUser")(function* (ref: string) {
  const user = yield* findUserOption(ref)
  return user ?? (yield* missing("user", ref, "`hyperx user list` shows them."))
})
