import { Effect, Schema } from "effect"
import type { QmpError } from "../errors.ts"
import type { CallOptions, QmpMonitor } from "../monitor.ts"
import { runDecoded } from "./run.ts"

/** A character device and whether its guest side is open (a virtio-serial port the guest's program opened). */
export const ChardevInfo = Schema.Struct({
  label: Schema.String,
  frontendOpen: Schema.Boolean,
}).pipe(Schema.encodeKeys({ frontendOpen: "frontend-open" }))
export type ChardevInfo = typeof ChardevInfo.Type

export const queryChardev = (
  monitor: QmpMonitor,
  options?: CallOptions,
): Effect.Effect<ReadonlyArray<ChardevInfo>, QmpError> =>
  runDecoded(monitor, "query-chardev", undefined, Schema.Array(ChardevInfo), options)

/**
 * Whether the guest's side of the chardev `label` is open: for the guest agent's channel, whether the agent runs in
 * the guest now (it opens its port when it starts), known without asking the agent.
 */
export const guestSideOpen = (monitor: QmpMonitor, label: string, options?: CallOptions) =>
  Effect.map(queryChardev(monitor, options), (devices) => devices.some((d) => d.label === label && d.frontendOpen))
