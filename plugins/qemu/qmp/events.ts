import { Option, Predicate, Schema } from "effect"

/** The QEMU events this client knows, as their payload flattened under the event name's `_tag`. */
const Shutdown = Schema.TaggedStruct("SHUTDOWN", {
  guest: Schema.Boolean,
  /** QEMU's ShutdownCause ("guest-shutdown", "host-qmp-quit", …) or "disconnected" for the synthetic event. */
  reason: Schema.String,
})
const Reset = Schema.TaggedStruct("RESET", { guest: Schema.Boolean, reason: Schema.String })
const Powerdown = Schema.TaggedStruct("POWERDOWN", {})
const Stop = Schema.TaggedStruct("STOP", {})
const Resume = Schema.TaggedStruct("RESUME", {})
const Suspend = Schema.TaggedStruct("SUSPEND", {})
const Wakeup = Schema.TaggedStruct("WAKEUP", {})
const DeviceDeleted = Schema.TaggedStruct("DEVICE_DELETED", {
  device: Schema.optionalKey(Schema.String),
  path: Schema.String,
})
const DeviceTrayMoved = Schema.TaggedStruct("DEVICE_TRAY_MOVED", {
  device: Schema.String,
  id: Schema.String,
  trayOpen: Schema.Boolean,
}).pipe(Schema.encodeKeys({ trayOpen: "tray-open" }))
const JobStatusChange = Schema.TaggedStruct("JOB_STATUS_CHANGE", { id: Schema.String, status: Schema.String })
const blockJobFields = {
  type: Schema.String,
  device: Schema.String,
  len: Schema.Number,
  offset: Schema.Number,
  speed: Schema.Number,
}
const BlockJobCompleted = Schema.TaggedStruct("BLOCK_JOB_COMPLETED", {
  ...blockJobFields,
  error: Schema.optionalKey(Schema.String),
})
const BlockJobCancelled = Schema.TaggedStruct("BLOCK_JOB_CANCELLED", blockJobFields)
const BlockJobReady = Schema.TaggedStruct("BLOCK_JOB_READY", blockJobFields)
const BlockJobError = Schema.TaggedStruct("BLOCK_JOB_ERROR", {
  device: Schema.String,
  operation: Schema.String,
  action: Schema.String,
})
const Migration = Schema.TaggedStruct("MIGRATION", { status: Schema.String })
const MigrationPass = Schema.TaggedStruct("MIGRATION_PASS", { pass: Schema.Number })
const BalloonChange = Schema.TaggedStruct("BALLOON_CHANGE", { actual: Schema.Number })
const GuestPanicked = Schema.TaggedStruct("GUEST_PANICKED", { action: Schema.String })
const Watchdog = Schema.TaggedStruct("WATCHDOG", { action: Schema.String })
const RtcChange = Schema.TaggedStruct("RTC_CHANGE", { offset: Schema.Number })

const KnownEvent = Schema.Union([
  Shutdown,
  Reset,
  Powerdown,
  Stop,
  Resume,
  Suspend,
  Wakeup,
  DeviceDeleted,
  DeviceTrayMoved,
  JobStatusChange,
  BlockJobCompleted,
  BlockJobCancelled,
  BlockJobReady,
  BlockJobError,
  Migration,
  MigrationPass,
  BalloonChange,
  GuestPanicked,
  Watchdog,
  RtcChange,
])
export type KnownQmpEvent = typeof KnownEvent.Type

/** An event this client has no type for (or whose payload it did not recognise): passed through as QEMU sent it. */
export interface OtherQmpEvent {
  readonly _tag: "Other"
  readonly event: string
  readonly data: unknown
}

/** A QMP event; `at` is QEMU's timestamp (ours for the synthetic disconnect). */
export type QmpEvent = (KnownQmpEvent | OtherQmpEvent) & { readonly at: Date }

export type QmpEventOf<Tag extends QmpEvent["_tag"]> = Extract<QmpEvent, { readonly _tag: Tag }>

const decodeKnown = Schema.decodeUnknownOption(KnownEvent)

/** Turns a raw `{event, data, timestamp}` message into a QmpEvent; undefined when it is not an event. */
export const decodeEvent = (message: Record<string, unknown>): QmpEvent | undefined => {
  if (typeof message.event !== "string") return undefined
  const at = timestampOf(message.timestamp)
  const data = Predicate.isObject(message.data) ? message.data : {}
  return Option.match(decodeKnown({ ...data, _tag: message.event }), {
    onNone: (): QmpEvent => ({ _tag: "Other", event: message.event as string, data: message.data, at }),
    onSome: (known): QmpEvent => ({ ...known, at }),
  })
}

const timestampOf = (timestamp: unknown): Date => {
  if (!Predicate.isObject(timestamp)) return new Date()
  const { seconds, microseconds } = timestamp
  if (typeof seconds !== "number" || typeof microseconds !== "number") return new Date()
  return new Date(seconds * 1000 + Math.floor(microseconds / 1000))
}

/** The reason of the synthetic SHUTDOWN that ends every event stream when the socket drops. */
export const disconnectedReason = "disconnected"

export const disconnectedEvent = (): QmpEvent => ({
  _tag: "SHUTDOWN",
  guest: false,
  reason: disconnectedReason,
  at: new Date(),
})

export const isDisconnectedEvent = (event: QmpEvent): boolean =>
  event._tag === "SHUTDOWN" && event.reason === disconnectedReason
