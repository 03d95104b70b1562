import { Schema } from "effect"
import { Id } from "./common.ts"

const Remaining = Schema.NullOr(Schema.Int)

/**
 * C7: what a department has left (null: unlimited) and what the choice costs, in minor units per day. The one
 * definition of a quote: the core computes it, the API answers it (`VmQuote` in the OpenAPI document) and the widgets'
 * types are generated from that document.
 */
export const CreateQuote = Schema.Struct({
  remaining: Schema.Struct({ cpus: Remaining, memoryMiB: Remaining, diskGiB: Remaining, vmCount: Remaining }),
  perVmPerDay: Schema.Int,
  totalPerDay: Schema.Int,
  breakdown: Schema.Struct({ flavor: Schema.Int, image: Schema.Int, disks: Schema.Int }),
})
export type CreateQuote = typeof CreateQuote.Type

/** C7 for a caller: the quote of the owner's department. */
export const VmQuote = Schema.Struct({ departmentId: Id, ...CreateQuote.fields })
export type VmQuote = typeof VmQuote.Type
