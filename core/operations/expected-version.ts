import { Context, Effect } from "effect"
import { PreconditionFailed } from "../errors.ts"
import type { Vm } from "../model/index.ts"

/**
 * The versions of the VM the caller acts on (HTTP If-Match: `"12"`, or a list): an operation whose VM has another
 * version is refused with PreconditionFailed and changes nothing. Checked before the lock and again on the VM as
 * read under the lock, so of two requests made on the same version only one acts. Unset (the default): no check.
 */
export const ExpectedVersion = Context.Reference<ReadonlyArray<number> | undefined>(
  "hyperx/core/operations/ExpectedVersion",
  { defaultValue: () => undefined },
)

/** Refuse when the caller expects other versions of `vm` than its current one. */
export const checkExpectedVersion = Effect.fnUntraced(function* checkExpectedVersion(vm: Vm) {
  const expected = yield* ExpectedVersion
  if (expected === undefined || expected.includes(vm.version)) return
  return yield* new PreconditionFailed({ resource: "vm", id: vm.id, current: vm.version })
})
