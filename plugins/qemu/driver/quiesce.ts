import { Effect } from "effect"
import { guestFsfreezeFreeze, guestFsfreezeThaw } from "../qga/commands/fsfreeze.ts"
import type { Domains } from "./domains.ts"
import { withGuestAgent } from "./guest.ts"

/**
 * The guest agent's fsfreeze around a snapshot or backup: both answer how many file systems changed (qemu-ga freezes
 * those on block devices, not tmpfs). The agent refuses to freeze a frozen guest; thawing a thawed one answers 0.
 */
export const makeQuiesce = (domains: Domains) => {
  const run = withGuestAgent(domains)
  return {
    freeze: Effect.fn("QemuDriver.quiesce.freeze")(function* (name: string) {
      const operation = "quiesce.freeze"
      return yield* run(
        name,
        (agent) => guestFsfreezeFreeze(agent).pipe(Effect.mapError(domains.errors.fromQga(operation))),
        operation,
      )
    }),
    thaw: Effect.fn("QemuDriver.quiesce.thaw")(function* (name: string) {
      const operation = "quiesce.thaw"
      return yield* run(
        name,
        (agent) => guestFsfreezeThaw(agent).pipe(Effect.mapError(domains.errors.fromQga(operation))),
        operation,
      )
    }),
  }
}
