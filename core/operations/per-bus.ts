import type { EventBus } from "../events/bus.ts"

/**
 * State kept per event bus, that is per agent (or per test world): requests one operation makes of another that
 * runs in the background on this agent. Keyed by the bus, not the store: the runner hands background work a patient
 * wrapper of the store, the bus is the same object everywhere.
 */
export const perBus = <A>(make: () => A): ((bus: EventBus["Service"]) => A) => {
  const kept = new WeakMap<EventBus["Service"], A>()
  return (bus) => {
    let value = kept.get(bus)
    if (value === undefined) {
      value = make()
      kept.set(bus, value)
    }
    return value
  }
}
