import { Effect } from "effect"
import type { StoreError } from "../errors.ts"
import type { Operation } from "../model/operation.ts"
import { checkRules, type Rule } from "../rules/rule.ts"

/**
 * Insert a row whose value must be unique: refused by the rule when it is taken, and by the same rule when a
 * parallel request took it between the check and the insert (the database's unique constraint decides).
 */
export const insertUnique = <C extends { readonly taken: boolean }, A, R>(
  operation: Operation,
  rules: ReadonlyArray<Rule<C>>,
  context: Omit<C, "taken">,
  taken: Effect.Effect<boolean, StoreError, R>,
  insert: Effect.Effect<A, StoreError, R>,
) =>
  Effect.gen(function* () {
    yield* checkRules(operation, rules, { ...context, taken: yield* taken } as C)
    return yield* insert.pipe(
      Effect.catchIf(
        (error) => /duplicate key/.test(error.message),
        () => checkRules(operation, rules, { ...context, taken: true } as C).pipe(Effect.andThen(insert)),
      ),
    )
  })
