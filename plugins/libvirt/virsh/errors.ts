import { Schema } from "effect"
import {
  DomainNotFound,
  DriverError,
  type DriverErrorReason,
  HypervisorFailure,
  InvalidRequest,
  Timeout,
  Unsupported,
  WrongPowerState,
} from "../../../core/driver/errors.ts"

/** What went wrong, read from libvirt's message (virsh runs with LC_ALL=C, so the messages are English). */
export const LibvirtErrorKind = Schema.Literals([
  "domain-not-found",
  "snapshot-not-found",
  "not-running",
  "already-running",
  "agent-unavailable",
  "busy",
  "daemon-unavailable",
  "invalid",
  "unsupported",
  "timeout",
  "spawn-failed",
  "other",
])
export type LibvirtErrorKind = typeof LibvirtErrorKind.Type

/** One failed libvirt call (a virsh run today): the command without secrets, what kind of failure, libvirt's message. */
export class LibvirtError extends Schema.TaggedError<LibvirtError>()("LibvirtError", {
  command: Schema.String,
  kind: LibvirtErrorKind,
  message: Schema.String,
  /** For timeouts: how long the call was given. */
  afterMs: Schema.optionalKey(Schema.Number),
}) {
  get isRetryable() {
    return retryableKinds.has(this.kind)
  }
}

const retryableKinds = new Set<LibvirtErrorKind>(["agent-unavailable", "busy", "daemon-unavailable", "timeout"])

/** First match wins: "Requested operation is not valid: domain is not running" is not-running, not invalid. */
const patterns: ReadonlyArray<readonly [LibvirtErrorKind, RegExp]> = [
  ["snapshot-not-found", /domain snapshot not found|no domain snapshot with matching name/i],
  ["domain-not-found", /failed to get domain|domain not found|no domain with matching/i],
  ["not-running", /domain is not running|is not running|domain is not active/i],
  ["already-running", /domain is already (active|running)/i],
  [
    "agent-unavailable",
    /guest agent is not (responding|connected|available|configured)|agent.*disappeared|end of file from agent/i,
  ],
  ["busy", /timed out during operation|cannot acquire state change lock|another job/i],
  [
    "daemon-unavailable",
    /failed to connect|connection reset|cannot recv data|end of file while reading data|client socket is closed|no connection driver/i,
  ],
  ["unsupported", /operation not supported|this function is not supported|unsupported flags/i],
  [
    "invalid",
    /xml error|invalid argument|cannot access storage file|no such file|unsupported configuration|already exists|requested operation is not valid|failed to (open|parse)|missing source|doesn't have media|config.*invalid/i,
  ],
]

export const classifyMessage = (message: string): LibvirtErrorKind =>
  patterns.find(([, pattern]) => pattern.test(message))?.[0] ?? "other"

/** libvirt's message without virsh's "error: " prefixes, on one line. */
export const cleanMessage = (stderr: string) =>
  stderr
    .split("\n")
    .map((line) => line.replace(/^error:\s*/, "").trim())
    .filter((line) => line.length > 0)
    .join(": ")

/** The contract's reason for a virsh failure on domain `name`. */
export const reasonOf = (error: LibvirtError, name: string, operation: string): DriverErrorReason => {
  switch (error.kind) {
    case "domain-not-found":
      return new DomainNotFound({ name })
    case "not-running":
      return new WrongPowerState({ name, power: "stopped" })
    case "already-running":
      return new WrongPowerState({ name, power: "running" })
    case "timeout":
      return new Timeout({ operation, afterMs: error.afterMs ?? 0 })
    case "unsupported":
      return new Unsupported({ capability: operation })
    case "invalid":
    case "snapshot-not-found":
      return new InvalidRequest({ message: error.message })
    case "agent-unavailable":
    case "busy":
    case "daemon-unavailable":
      return new HypervisorFailure({ message: error.message, retryable: true })
    case "spawn-failed":
    case "other":
      return new HypervisorFailure({ message: error.message, retryable: false })
  }
}

export const toDriverError = (driver: string, operation: string, name: string) => (error: LibvirtError) =>
  new DriverError({ driver, operation, reason: reasonOf(error, name, operation) })
