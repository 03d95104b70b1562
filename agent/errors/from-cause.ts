import { Cause, Option } from "effect"
import { SecretUnreadable } from "../../core/auth/secrets.ts"
import { PeerUnreachable } from "../../core/cluster/peers.ts"
import { asRefusal, ruleCodes } from "../../core/error-codes.ts"
import {
  DriverError,
  InvalidInput,
  NotFound,
  PreconditionFailed,
  RuleViolation,
  StoreError,
  Unauthenticated,
  VersionConflict,
} from "../../core/index.ts"
import { ApiError } from "./api-error.ts"
import { apiErrors } from "./messages.ts"

/** RuleViolation.kind → status: a role refusal, a state refusal, or input that breaks a named rule (codes: core). */
const ruleStatus = { forbidden: 403, conflict: 409, invalid: 422 } as const

/** A typed failure of the core, as the API reports it; undefined for anything the API does not expect. */
export const apiErrorOfFailure = (given: unknown): ApiError | undefined => {
  const failure = asRefusal(given)
  if (failure instanceof ApiError) return failure
  if (failure instanceof RuleViolation) {
    return new ApiError(
      ruleStatus[failure.kind],
      ruleCodes[failure.kind],
      { en: failure.message, zh: failure.messageZh },
      { rule: failure.rule },
    )
  }
  if (failure instanceof NotFound) return apiErrors.notFound(failure.resource, failure.id)
  if (failure instanceof InvalidInput) return apiErrors.invalidInput({ en: failure.message, zh: failure.message })
  if (failure instanceof Unauthenticated) return apiErrors.unauthenticated()
  if (failure instanceof VersionConflict) return apiErrors.versionConflict()
  if (failure instanceof PreconditionFailed) return apiErrors.preconditionFailed(failure.current)
  if (failure instanceof SecretUnreadable) return apiErrors.secretUnreadable(failure)
  if (failure instanceof StoreError && failure.retryable) return apiErrors.storeUnavailable()
  if (failure instanceof DriverError) return apiErrors.hypervisor(failure.isRetryable)
  if (failure instanceof PeerUnreachable) return apiErrors.peerUnreachable(failure.hostId)
  return undefined
}

/** What a failed effect answers: the API error of its typed failure, or a defect the error handler logs as a 500. */
export const errorOfCause = (cause: Cause.Cause<unknown>): unknown => {
  const failure = Cause.findErrorOption(cause)
  if (Option.isSome(failure)) return apiErrorOfFailure(failure.value) ?? failure.value
  return Cause.squash(cause)
}
