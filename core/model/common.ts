import { Schema } from "effect"

/** Identifiers are opaque strings (UUIDs for rows we create; hypervisor names for what drivers report). */
export const Id = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(64))
export type Id = typeof Id.Type

export const Lang = Schema.Literals(["en", "zh"])
export type Lang = typeof Lang.Type

/** Money in minor units (cents, fen) per day: integers keep sums exact. */
export const MinorUnits = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

export const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
export const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

export const Percent = Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 100 }))

/** Free-form key/value resource tags; app-group, app-role and app-type name batch-created VMs (C1). */
export const Tags = Schema.Record(Schema.String, Schema.String)
export type Tags = typeof Tags.Type

export const Timestamp = Schema.Date
