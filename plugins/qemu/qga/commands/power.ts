import { Effect } from "effect"
import type { QgaAgent, QgaCallOptions } from "../agent.ts"
import type { QgaError } from "../errors.ts"
import { runVoid } from "./run.ts"

/**
 * Asks the guest to power down, halt or reboot (it runs the guest's shutdown command). The agent sends no reply
 * on success, only on failure: no error within the "guest-shutdown" budget, or the channel closing, counts as
 * accepted. Watch QMP's SHUTDOWN event to know the guest really went down.
 */
export const guestShutdown = Effect.fn("Qga.guestShutdown")(function* (
  agent: QgaAgent,
  mode: "powerdown" | "halt" | "reboot" = "powerdown",
  options?: QgaCallOptions,
): Effect.fn.Return<void, QgaError> {
  yield* runVoid(agent, "guest-shutdown", { mode }, options).pipe(
    Effect.catchReason("QgaError", "QgaTimeout", () => Effect.void),
    Effect.catchReason("QgaError", "QgaDisconnected", () => Effect.void),
  )
})
