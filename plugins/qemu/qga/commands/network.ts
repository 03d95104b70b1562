import { Effect, Schema } from "effect"
import type { QgaAgent, QgaCallOptions } from "../agent.ts"
import type { QgaError } from "../errors.ts"
import { runDecoded } from "./run.ts"

/** An interface's byte counters as the guest counts them (its /proc/net/dev on Linux). */
export const GuestNetworkStatistics = Schema.Struct({
  rxBytes: Schema.Number,
  txBytes: Schema.Number,
}).pipe(Schema.encodeKeys({ rxBytes: "rx-bytes", txBytes: "tx-bytes" }))

export const GuestNetworkInterface = Schema.Struct({
  name: Schema.String,
  /** Absent for interfaces without one (loopback on some guests). */
  hardwareAddress: Schema.optionalKey(Schema.String),
  /** Absent from agents older than 2.11, or when the guest could not read them. */
  statistics: Schema.optionalKey(GuestNetworkStatistics),
}).pipe(Schema.encodeKeys({ hardwareAddress: "hardware-address" }))
export type GuestNetworkInterface = typeof GuestNetworkInterface.Type

/** The guest's network interfaces, with their MAC addresses and counters where the agent reports them. */
export const guestNetworkGetInterfaces = (
  agent: QgaAgent,
  options?: QgaCallOptions,
): Effect.Effect<ReadonlyArray<GuestNetworkInterface>, QgaError> =>
  runDecoded(agent, "guest-network-get-interfaces", undefined, Schema.Array(GuestNetworkInterface), options)

/** Received and sent bytes by MAC address (lower case), for the interfaces that report both. */
export const countersByMac = (
  interfaces: ReadonlyArray<GuestNetworkInterface>,
): ReadonlyMap<string, { readonly rxBytes: number; readonly txBytes: number }> =>
  new Map(
    interfaces.flatMap((nic) =>
      nic.hardwareAddress === undefined || nic.statistics === undefined
        ? []
        : [[nic.hardwareAddress.toLowerCase(), nic.statistics] as const],
    ),
  )

/** The guest's received and sent bytes by MAC address (lower case), for the interfaces that have both. */
export const guestCountersByMac = (
  agent: QgaAgent,
  options?: QgaCallOptions,
): Effect.Effect<ReadonlyMap<string, { readonly rxBytes: number; readonly txBytes: number }>, QgaError> =>
  Effect.map(guestNetworkGetInterfaces(agent, options), countersByMac)
