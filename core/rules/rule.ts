import { Effect } from "effect"
import { RuleViolation } from "../errors.ts"
import type { Operation } from "../model/operation.ts"

export type RuleKind = "forbidden" | "conflict" | "invalid"

export interface Message {
  readonly en: string
  readonly zh: string
}

/**
 * One precondition of the manual, as data: a name the API returns, the feature IDs it comes from, what kind
 * of refusal it is, a message in English and Chinese, and a pure predicate over the operation's context.
 */
export interface Rule<C> {
  readonly name: string
  readonly features: ReadonlyArray<string>
  readonly kind: RuleKind
  readonly message: Message | ((context: C) => Message)
  readonly allows: (context: C) => boolean
}

export const defineRule = <C>(rule: Rule<C>): Rule<C> => rule

export const messageOf = <C>(rule: Rule<C>, context: C): Message =>
  typeof rule.message === "function" ? rule.message(context) : rule.message

export const violation = <C>(operation: Operation, rule: Rule<C>, context: C): RuleViolation => {
  const message = messageOf(rule, context)
  return new RuleViolation({ rule: rule.name, operation, kind: rule.kind, message: message.en, messageZh: message.zh })
}

/** The first rule that refuses, in the order given, or undefined when all allow. */
export const firstRefusal = <C>(rules: ReadonlyArray<Rule<C>>, context: C): Rule<C> | undefined =>
  rules.find((rule) => !rule.allows(context))

/** Check an operation's rules in order; the first refusal fails with its RuleViolation. */
export const checkRules = <C>(
  operation: Operation,
  rules: ReadonlyArray<Rule<C>>,
  context: C,
): Effect.Effect<void, RuleViolation> => {
  const refused = firstRefusal(rules, context)
  return refused ? Effect.fail(violation(operation, refused, context)) : Effect.void
}
