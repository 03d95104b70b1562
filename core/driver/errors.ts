import { Schema } from "effect"

/** The domain is not known to the hypervisor. */
export class DomainNotFound extends Schema.TaggedError<DomainNotFound>()("DomainNotFound", {
  name: Schema.String,
}) {
  get isRetryable() {
    return false
  }
}

/** The spec or argument cannot be realised (bad path, unknown format, …). */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  message: Schema.String,
}) {
  get isRetryable() {
    return false
  }
}

/** The driver does not offer this capability. */
export class Unsupported extends Schema.TaggedError<Unsupported>()("Unsupported", {
  capability: Schema.String,
}) {
  get isRetryable() {
    return false
  }
}

/** The hypervisor did not answer in time; the operation may or may not have happened. */
export class Timeout extends Schema.TaggedError<Timeout>()("Timeout", {
  operation: Schema.String,
  afterMs: Schema.Number,
}) {
  get isRetryable() {
    return true
  }
}

/** The domain is in a state where the hypervisor refuses the call (e.g. already running). */
export class WrongPowerState extends Schema.TaggedError<WrongPowerState>()("WrongPowerState", {
  name: Schema.String,
  power: Schema.String,
}) {
  get isRetryable() {
    return false
  }
}

/** The hypervisor or its control channel failed; `retryable` says whether trying again may help. */
export class HypervisorFailure extends Schema.TaggedError<HypervisorFailure>()("HypervisorFailure", {
  message: Schema.String,
  retryable: Schema.Boolean,
}) {
  get isRetryable() {
    return this.retryable
  }
}

export const DriverErrorReason = Schema.Union([
  DomainNotFound,
  InvalidRequest,
  Unsupported,
  Timeout,
  WrongPowerState,
  HypervisorFailure,
])
export type DriverErrorReason = typeof DriverErrorReason.Type

/** The one error a driver fails with; `reason` says what happened and whether a retry may help. */
export class DriverError extends Schema.TaggedError<DriverError>()("DriverError", {
  driver: Schema.String,
  operation: Schema.String,
  reason: DriverErrorReason,
}) {
  get isRetryable(): boolean {
    return this.reason.isRetryable
  }
  override get message(): string {
    return `${this.driver}.${this.operation}: ${describeReason(this.reason)}`
  }
}

const describeReason = (reason: DriverErrorReason): string => {
  switch (reason._tag) {
    case "DomainNotFound":
      return `no domain named ${reason.name}`
    case "WrongPowerState":
      return `${reason.name} is ${reason.power}`
    case "Unsupported":
      return `unsupported: ${reason.capability}`
    case "Timeout":
      return `${reason.operation} timed out after ${reason.afterMs} ms`
    case "InvalidRequest":
    case "HypervisorFailure":
      return reason.message
  }
}
