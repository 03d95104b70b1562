import { Cause, Effect, Schema } from "effect"

/** Why a case did not pass: a step failed, a check did not hold, or something did not happen in time. */
export class CaseFailure extends Schema.TaggedError<CaseFailure>()("CaseFailure", {
  message: Schema.String,
}) {}

export const fail = (message: string) => Effect.fail(new CaseFailure({ message }))

/** Fails the case with `message` unless `condition` holds. */
export const check = (condition: boolean, message: string): Effect.Effect<void, CaseFailure> =>
  condition ? Effect.void : fail(message)

/** The text of whatever a driver or a probe failed with. */
export const describeError = (error: unknown): string => {
  if (error instanceof Error) return error.message === "" ? String(error) : error.message
  if (typeof error === "object" && error !== null && "message" in error) return String(error.message)
  return String(error)
}

/** One line for a cause: its error's message, its defect, or that it was interrupted. */
export const describeCause = (cause: Cause.Cause<unknown>): string => {
  const squashed = Cause.squash(cause)
  if (Cause.hasFails(cause) || squashed instanceof Error) return describeError(squashed)
  if (Cause.hasInterrupts(cause)) return "interrupted"
  return Cause.pretty(cause)
}
