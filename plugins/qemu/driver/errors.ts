import {
  DomainNotFound,
  DriverError,
  type DriverErrorReason,
  HypervisorFailure,
  InvalidRequest,
  Timeout,
  WrongPowerState,
} from "../../../core/driver/errors.ts"
import type { QgaError } from "../qga/errors.ts"
import type { QmpError } from "../qmp/errors.ts"

/** QEMU's own words for "you named something that is not there" or "that is already there". */
const CALLER_MISTAKE = /not found|does not exist|duplicate|already (exists|in use)|no medium|is not a|invalid/i

/** DriverError builders for one driver name; every operation fails with these and nothing else. */
export interface Errors {
  readonly make: (operation: string, reason: DriverErrorReason) => DriverError
  readonly notFound: (operation: string, name: string) => DriverError
  readonly invalid: (operation: string, message: string) => DriverError
  readonly wrongPower: (operation: string, name: string, power: string) => DriverError
  readonly failure: (operation: string, message: string, retryable: boolean) => DriverError
  /** QMP's failure in the contract's terms: a timeout stays a timeout, a lost socket may be retried. */
  readonly fromQmp: (operation: string) => (error: QmpError) => DriverError
  readonly fromQga: (operation: string) => (error: QgaError) => DriverError
}

export const makeErrors = (driver: string): Errors => {
  const make = (operation: string, reason: DriverErrorReason) => new DriverError({ driver, operation, reason })
  const failure = (operation: string, message: string, retryable: boolean) =>
    make(operation, new HypervisorFailure({ message, retryable }))
  const invalid = (operation: string, message: string) => make(operation, new InvalidRequest({ message }))

  const fromQmp = (operation: string) => (error: QmpError) => {
    const reason = error.reason
    switch (reason._tag) {
      case "QmpTimeout":
        return make(operation, new Timeout({ operation: `${operation} (${reason.command})`, afterMs: reason.afterMs }))
      case "QmpCommandError":
        return reason.errorClass === "DeviceNotFound" || (!error.isRetryable && CALLER_MISTAKE.test(reason.desc))
          ? invalid(operation, error.message)
          : failure(operation, error.message, error.isRetryable)
      case "QmpJobFailed":
        return CALLER_MISTAKE.test(reason.error)
          ? invalid(operation, error.message)
          : failure(operation, error.message, false)
      default:
        return failure(operation, error.message, error.isRetryable)
    }
  }

  const fromQga = (operation: string) => (error: QgaError) => {
    const reason = error.reason
    switch (reason._tag) {
      case "QgaTimeout":
        return make(operation, new Timeout({ operation: `${operation} (${reason.command})`, afterMs: reason.afterMs }))
      // The agent ran the command and refused it: an unknown user, a bad key, a missing file.
      case "QgaCommandError":
        return invalid(operation, error.message)
      default:
        return failure(operation, error.message, error.isRetryable)
    }
  }

  return {
    make,
    notFound: (operation, name) => make(operation, new DomainNotFound({ name })),
    invalid,
    wrongPower: (operation, name, power) => make(operation, new WrongPowerState({ name, power })),
    failure,
    fromQmp,
    fromQga,
  }
}
