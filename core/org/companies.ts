import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { now } from "../operations/clock.ts"
import type { Actor } from "../rules/context.ts"
import { orgRules } from "../rules/org.ts"
import { Store } from "../store/ports.ts"
import { insertUnique } from "./unique.ts"

/** G1: a superadmin sees every company; everyone else their own. */
export const listCompanies = Effect.fn("org.listCompanies")(function* (actor: Actor) {
  const store = yield* Store
  return yield* store.companies.list(actor.role === "superadmin" ? {} : { id: actor.companyId })
})

/** G1: a superadmin adds a company; its number (C1's batch-name suffix) is unique. */
export const createCompany = Effect.fn("org.createCompany")(function* (
  actor: Actor,
  input: { readonly name: string; readonly number: string },
) {
  const store = yield* Store
  const createdAt = yield* now
  return yield* insertUnique(
    "org.company",
    orgRules["org.company"],
    { actor, value: input.number },
    Effect.map(store.companies.list({ number: input.number }), (found) => found.length > 0),
    store.companies.insert({ id: randomUUID(), name: input.name, number: input.number, createdAt }),
  )
})
