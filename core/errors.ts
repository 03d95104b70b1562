import { Schema } from "effect"

/** A named rule of FEATURES.md refused the operation; nothing changed. Messages in both languages. */
export class RuleViolation extends Schema.TaggedError<RuleViolation>()("RuleViolation", {
  rule: Schema.String,
  operation: Schema.String,
  /** forbidden: the caller's role may not; conflict: the resource's state forbids it; invalid: the input breaks the rule. */
  kind: Schema.Literals(["forbidden", "conflict", "invalid"]),
  message: Schema.String,
  messageZh: Schema.String,
}) {}

/** The resource does not exist, or lies outside the caller's scope (G1: never reveal which). */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  resource: Schema.String,
  id: Schema.String,
}) {}

/** Input that does not match its schema. */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  message: Schema.String,
}) {}

/** The database failed; `retryable` for connection and serialisation failures. */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  operation: Schema.String,
  message: Schema.String,
  retryable: Schema.Boolean,
}) {
  get isRetryable() {
    return this.retryable
  }
}

/** Someone else wrote the row since it was read (optimistic concurrency). */
export class VersionConflict extends Schema.TaggedError<VersionConflict>()("VersionConflict", {
  resource: Schema.String,
  id: Schema.String,
}) {}

/** The caller asked to act on a version of the VM (HTTP If-Match) that is no longer current; nothing changed. */
export class PreconditionFailed extends Schema.TaggedError<PreconditionFailed>()("PreconditionFailed", {
  resource: Schema.String,
  id: Schema.String,
  /** The version the VM has now. */
  current: Schema.Int,
}) {}

/** R9: a migration a superadmin cancelled before the target proved the guest; the VM runs on at its source. */
export class MigrationCancelled extends Schema.TaggedError<MigrationCancelled>()("MigrationCancelled", {
  vmId: Schema.String,
}) {
  override get message() {
    return "The migration was cancelled; the VM keeps running on its host"
  }
}

/**
 * B1 B3: a graceful stop or reboot (waiting on the guest) cut short by a forced one asked meanwhile, which then runs:
 * "强制关机 … 将会立刻为虚拟机断电".
 */
export class Superseded extends Schema.TaggedError<Superseded>()("Superseded", {
  vmId: Schema.String,
  /** The forced operation that cut it short. */
  by: Schema.String,
}) {
  override get message() {
    return `Cut short by ${this.by}, asked while it waited on the guest`
  }
}
