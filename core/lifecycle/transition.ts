import type { VmState } from "../model/vm.ts"
import { isTransient, type StableState, type TransientState } from "./states.ts"
import { type LifecycleAction, type ObservedPower, observedToState, transitionTable } from "./table.ts"

const isProvision = (action: LifecycleAction) => action === "provision" || action === "provision-start"

export type TransitionResult =
  | { readonly ok: true; readonly via: TransientState; readonly to: StableState; readonly onFailure: StableState }
  | {
      readonly ok: false
      readonly reason: "busy" | "not-allowed"
      readonly state: VmState
      readonly action: LifecycleAction
    }

/** Pure: may `action` begin from `state`, and where does it go? A transient state is busy, never a start point. */
export const transition = (state: VmState, action: LifecycleAction): TransitionResult => {
  const row = transitionTable[action]
  if (!isProvision(action) && isTransient(state)) return { ok: false, reason: "busy", state, action }
  if (!row.from.includes(state)) return { ok: false, reason: "not-allowed", state, action }
  const previous: StableState = isTransient(state) ? "error" : state
  return { ok: true, via: row.via, to: row.to, onFailure: row.onFailure === "error" ? "error" : previous }
}

/** The actions that may begin from a state, for UIs that offer only what is allowed. */
export const allowedActions = (state: VmState): ReadonlyArray<LifecycleAction> =>
  (Object.keys(transitionTable) as Array<LifecycleAction>).filter(
    (action) => !isProvision(action) && transition(state, action).ok,
  )

/**
 * Where a VM should settle after a crash or an outside change, given what the driver sees.
 * A VM that was being destroyed stays on course: the caller finishes the deletion.
 */
export const reconcile = (state: VmState, observed: ObservedPower): StableState => {
  if (state === "validating") return observed === "running" ? "running" : "error"
  return observedToState[observed]
}
