import { Schema } from "effect"
import { Text } from "../validation/schemas.ts"

const Day = Schema.String.check(
  Schema.isPattern(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: "Expected a day, YYYY-MM-DD" }),
)

export const CostQuery = Schema.Struct({
  from: Schema.optionalKey(Day.annotate({ description: "First UTC day (YYYY-MM-DD); default 29 days before `to`" })),
  to: Schema.optionalKey(Day.annotate({ description: "Last UTC day, included; default today" })),
  lang: Schema.optionalKey(Text(35)),
})

const Units = (description: string) => Schema.Int.annotate({ description: `${description}, minor units` })

export const DailyCostSchema = Schema.Struct({
  vmId: Schema.String,
  day: Schema.String.annotate({ description: "UTC day, YYYY-MM-DD" }),
  flavor: Units("Flavor (规格)"),
  storage: Units("Storage: GiB × price per GiB-day of each disk's storage class"),
  image: Units("Image"),
  publicIp: Units("Public IPs"),
  services: Units("Services (components)"),
  gpu: Units("GPUs"),
  total: Units("The sum of the headings"),
}).annotate({ identifier: "DailyCost" })

export const VmCostsSchema = Schema.Struct({
  vmId: Schema.String,
  from: Schema.String,
  to: Schema.String,
  days: Schema.Array(DailyCostSchema).annotate({ description: "One row per day that has ended, oldest first" }),
  today: Schema.NullOr(DailyCostSchema).annotate({ description: "Today so far, at today's prices" }),
}).annotate({ identifier: "VmCosts" })
