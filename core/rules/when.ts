import type { Rule } from "./rule.ts"

/**
 * The same rule, checked only when `applies` holds; otherwise it allows. Keeps the rule's name, kind and
 * message, so R3's "no snapshots when the department changes" is still the rule no-snapshots to the caller.
 */
export const onlyWhen = <C>(rule: Rule<C>, applies: (context: C) => boolean): Rule<C> => ({
  ...rule,
  allows: (context) => !applies(context) || rule.allows(context),
})
