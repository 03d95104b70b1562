import { SecretUnreadable } from "./auth/secrets.ts"
import { DriverError } from "./driver/errors.ts"
import {
  InvalidInput,
  MigrationCancelled,
  NotFound,
  PreconditionFailed,
  RuleViolation,
  StoreError,
  Superseded,
  VersionConflict,
} from "./errors.ts"
import { driverSupports } from "./rules/capabilities.ts"
import { messageOf } from "./rules/rule.ts"

/**
 * The one vocabulary of failures: a task records the code (and rule) the API answers for the same failure, so a
 * refusal reads the same in `{ error: { code, rule?, message } }` and on the task. agent/README.md lists them.
 */
export type ErrorCode =
  | "forbidden"
  | "conflict"
  | "unprocessable"
  | "not-found"
  | "invalid-input"
  | "version-conflict"
  | "precondition-failed"
  | "secret-unreadable"
  | "hypervisor-error"
  | "unavailable"
  | "interrupted"
  | "cancelled"
  | "internal"

/** A rule's kind → its code: the caller's role may not; the resource's state forbids it; the input breaks it. */
export const ruleCodes = { forbidden: "forbidden", conflict: "conflict", invalid: "unprocessable" } as const

/**
 * #21: a driver's failure for a capability it does not declare is the refusal of rule driver-unsupported (a state of
 * the VM's host, not a hypervisor's error); any other failure as it is. The API and the task read failures through it.
 */
export const asRefusal = (failure: unknown): unknown => {
  if (!(failure instanceof DriverError) || failure.reason._tag !== "Unsupported") return failure
  const message = messageOf(driverSupports, { needed: failure.reason.capability, declared: new Set<string>() })
  return new RuleViolation({
    rule: driverSupports.name,
    operation: failure.operation,
    kind: driverSupports.kind,
    message: message.en,
    messageZh: message.zh,
  })
}

/** The code of a typed failure of the core; "internal" for anything else (a defect). */
export const errorCodeOf = (given: unknown): ErrorCode => {
  const failure = asRefusal(given)
  if (failure instanceof RuleViolation) return ruleCodes[failure.kind]
  if (failure instanceof NotFound) return "not-found"
  if (failure instanceof InvalidInput) return "invalid-input"
  if (failure instanceof VersionConflict) return "version-conflict"
  if (failure instanceof PreconditionFailed) return "precondition-failed"
  if (failure instanceof SecretUnreadable) return "secret-unreadable"
  if (failure instanceof DriverError) return "hypervisor-error"
  if (failure instanceof StoreError && failure.retryable) return "unavailable"
  // A task another request cut short (tasks only: no request is answered with it).
  if (failure instanceof MigrationCancelled || failure instanceof Superseded) return "cancelled"
  return "internal"
}
