import { Schema } from "effect"

/** What a VM holds that costs money (M3), as recorded from the moment `since` until the next record. */
export const Holding = Schema.Struct({
  flavorId: Schema.String,
  imageId: Schema.String,
  disks: Schema.Array(Schema.Struct({ sizeGiB: Schema.Number, storageClass: Schema.String })),
  publicIps: Schema.Number,
  gpus: Schema.Number,
  services: Schema.Array(Schema.String),
})
export type Holding = typeof Holding.Type

/** A record of the holdings history; holding null: the VM was gone (purged) from `since` on. */
export interface HoldingRecord {
  readonly vmId: string
  readonly since: Date
  readonly holding: Holding | null
}

/** The holding's fields in a fixed order: jsonb gives keys back in an order of its own. */
const canonical = (h: Holding | null) =>
  h === null
    ? "null"
    : JSON.stringify([
        h.flavorId,
        h.imageId,
        h.disks.map((d) => [d.sizeGiB, d.storageClass]),
        h.publicIps,
        h.gpus,
        h.services,
      ])

/** Same holding: no new record is needed. */
export const sameHolding = (a: Holding | null, b: Holding | null): boolean => canonical(a) === canonical(b)
