import { Schema } from "effect"

/** The agent's socket (QEMU's chardev for the virtio-serial port) could not be reached. */
export class QgaConnectFailed extends Schema.TaggedError<QgaConnectFailed>()("QgaConnectFailed", {
  path: Schema.String,
  detail: Schema.String,
}) {
  get isRetryable() {
    return true
  }
}

/**
 * guest-sync got no matching answer: the agent is not running (yet) in the guest, the guest is paused, or
 * another client holds the channel.
 */
export class QgaSyncFailed extends Schema.TaggedError<QgaSyncFailed>()("QgaSyncFailed", {
  path: Schema.String,
  detail: Schema.String,
}) {
  get isRetryable() {
    return true
  }
}

/** No answer in time; the command may or may not have run in the guest. */
export class QgaTimeout extends Schema.TaggedError<QgaTimeout>()("QgaTimeout", {
  command: Schema.String,
  afterMs: Schema.Number,
}) {
  get isRetryable() {
    return true
  }
}

/** The agent answered with an `error`; `errorClass` and `desc` are its own. */
export class QgaCommandError extends Schema.TaggedError<QgaCommandError>()("QgaCommandError", {
  command: Schema.String,
  errorClass: Schema.String,
  desc: Schema.String,
}) {
  get isRetryable() {
    return false
  }
}

/** The channel closed before the answer (QEMU exited, or the guest rebooted the port). */
export class QgaDisconnected extends Schema.TaggedError<QgaDisconnected>()("QgaDisconnected", {
  command: Schema.String,
  detail: Schema.String,
}) {
  get isRetryable() {
    return true
  }
}

/** The answer did not have the expected shape (an agent version we do not know). */
export class QgaUnexpectedReply extends Schema.TaggedError<QgaUnexpectedReply>()("QgaUnexpectedReply", {
  command: Schema.String,
  detail: Schema.String,
}) {
  get isRetryable() {
    return false
  }
}

export const QgaErrorReason = Schema.Union([
  QgaConnectFailed,
  QgaSyncFailed,
  QgaTimeout,
  QgaCommandError,
  QgaDisconnected,
  QgaUnexpectedReply,
])
export type QgaErrorReason = typeof QgaErrorReason.Type

/** The one error the guest-agent client fails with; `reason` says what happened and whether a retry may help. */
export class QgaError extends Schema.TaggedError<QgaError>()("QgaError", {
  reason: QgaErrorReason,
}) {
  get isRetryable(): boolean {
    return this.reason.isRetryable
  }
  override get message(): string {
    return describeReason(this.reason)
  }
}

const describeReason = (reason: QgaErrorReason): string => {
  switch (reason._tag) {
    case "QgaConnectFailed":
      return `cannot connect to the guest agent at ${reason.path}: ${reason.detail}`
    case "QgaSyncFailed":
      return `guest agent at ${reason.path} did not sync: ${reason.detail}`
    case "QgaTimeout":
      return `${reason.command}: no answer from the guest agent within ${reason.afterMs} ms`
    case "QgaCommandError":
      return `${reason.command}: ${reason.errorClass}: ${reason.desc}`
    case "QgaDisconnected":
      return `${reason.command}: guest agent disconnected (${reason.detail})`
    case "QgaUnexpectedReply":
      return `${reason.command}: unexpected reply: ${reason.detail}`
  }
}
