import { Schema } from "effect"

/** The monitor socket could not be reached (missing, refused, or QEMU never greeted us). */
export class QmpConnectFailed extends Schema.TaggedError<QmpConnectFailed>()("QmpConnectFailed", {
  path: Schema.String,
  detail: Schema.String,
}) {
  // QEMU may still be starting, or another client may be about to let go of the monitor.
  get isRetryable() {
    return true
  }
}

/** QEMU spoke something that is not QMP (bad greeting, capabilities refused). */
export class QmpProtocolError extends Schema.TaggedError<QmpProtocolError>()("QmpProtocolError", {
  detail: Schema.String,
}) {
  get isRetryable() {
    return false
  }
}

/** No reply (or awaited event) in time; the command may or may not have taken effect. */
export class QmpTimeout extends Schema.TaggedError<QmpTimeout>()("QmpTimeout", {
  command: Schema.String,
  afterMs: Schema.Number,
}) {
  get isRetryable() {
    return true
  }
}

/** QEMU answered with an `error` reply; `errorClass` and `desc` are QEMU's own. */
export class QmpCommandError extends Schema.TaggedError<QmpCommandError>()("QmpCommandError", {
  command: Schema.String,
  errorClass: Schema.String,
  desc: Schema.String,
}) {
  // QEMU reports nearly everything as GenericError; the one transient case we know is an image lock still held
  // by another process (a QEMU that is exiting, a qemu-img still running). Everything else is a caller's mistake.
  get isRetryable() {
    return this.errorClass === "GenericError" && /\block\b/i.test(this.desc)
  }
}

/** The socket closed before the reply (or awaited event) arrived. */
export class QmpDisconnected extends Schema.TaggedError<QmpDisconnected>()("QmpDisconnected", {
  command: Schema.String,
  detail: Schema.String,
}) {
  get isRetryable() {
    return true
  }
}

/** A job (snapshot-save, …) concluded with an error. */
export class QmpJobFailed extends Schema.TaggedError<QmpJobFailed>()("QmpJobFailed", {
  command: Schema.String,
  jobId: Schema.String,
  error: Schema.String,
}) {
  get isRetryable() {
    return false
  }
}

/** The reply did not have the shape this client expects (a QEMU version we do not know). */
export class QmpUnexpectedReply extends Schema.TaggedError<QmpUnexpectedReply>()("QmpUnexpectedReply", {
  command: Schema.String,
  detail: Schema.String,
}) {
  get isRetryable() {
    return false
  }
}

export const QmpErrorReason = Schema.Union([
  QmpConnectFailed,
  QmpProtocolError,
  QmpTimeout,
  QmpCommandError,
  QmpDisconnected,
  QmpJobFailed,
  QmpUnexpectedReply,
])
export type QmpErrorReason = typeof QmpErrorReason.Type

/** The one error the QMP client fails with; `reason` says what happened and whether a retry may help. */
export class QmpError extends Schema.TaggedError<QmpError>()("QmpError", {
  reason: QmpErrorReason,
}) {
  get isRetryable(): boolean {
    return this.reason.isRetryable
  }
  override get message(): string {
    return describeReason(this.reason)
  }
}

/** True when QEMU refused the command with this error class (e.g. "DeviceNotFound"). */
export const hasErrorClass = (error: QmpError, errorClass: string): boolean =>
  error.reason._tag === "QmpCommandError" && error.reason.errorClass === errorClass

const describeReason = (reason: QmpErrorReason): string => {
  switch (reason._tag) {
    case "QmpConnectFailed":
      return `cannot connect to QMP at ${reason.path}: ${reason.detail}`
    case "QmpProtocolError":
      return `QMP protocol error: ${reason.detail}`
    case "QmpTimeout":
      return `${reason.command}: no answer within ${reason.afterMs} ms`
    case "QmpCommandError":
      return `${reason.command}: ${reason.errorClass}: ${reason.desc}`
    case "QmpDisconnected":
      return `${reason.command}: monitor disconnected (${reason.detail})`
    case "QmpJobFailed":
      return `${reason.command}: job ${reason.jobId} failed: ${reason.error}`
    case "QmpUnexpectedReply":
      return `${reason.command}: unexpected reply: ${reason.detail}`
  }
}
