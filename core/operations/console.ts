import { Effect } from "effect"
import type { VmContext } from "../rules/context.ts"
import { notRecycled, runningOnly } from "../rules/lifecycle.ts"
import type { VmCheck } from "./vm-operation.ts"

/** B5: the console of a running VM; no task and no lock (watching a screen changes nothing). */
export const consoleCheck: VmCheck<"full", void, VmContext> = {
  operation: "vm.console",
  reads: "full",
  context: (base) => Effect.succeed(base),
  rules: [notRecycled, runningOnly],
  locks: false,
}
