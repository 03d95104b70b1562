import { Schema } from "effect"
import { HaPriority, LoginMethod, quoteForActor, type VmCreateRequest, VmQuote } from "../../core/index.ts"
import type { Actor } from "../../core/rules/context.ts"
import { documentedAs } from "../openapi/shim.ts"
import { ApiId, IsoDateTime, MultilineText, Text } from "../validation/schemas.ts"

const DataDisk = Schema.Struct({
  sizeGiB: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 65536 })),
  storageClass: Schema.optionalKey(Text(64)),
})
const DataDisks = Schema.Array(DataDisk).check(Schema.isMaxLength(16))
const Tags = Schema.Record(Text(64), Text(256)).check(Schema.isMaxProperties(50))

/**
 * C1–C8 as JSON: VmCreateRequest with dates as ISO strings and bounded text. Counts, names, passwords and the rest
 * of the manual's preconditions are the core's rules, so a refusal names its rule.
 */
export const CreateVmBody = Schema.Struct({
  /** Default: the caller. An admin creates for users of their department, a superadmin for anyone. */
  ownerId: Schema.optionalKey(ApiId),
  /** 1–10 (rule batch-count, a 422 naming the rule, so the range is documented rather than decoded); default 1. */
  count: Schema.optionalKey(documentedAs(Schema.Int, { type: "integer", minimum: 1, maximum: 10, default: 1 })),
  /** One VM only; several are named from their tags (C1). */
  name: Schema.optionalKey(Text(64)),
  tags: Schema.optionalKey(Tags),
  remarks: Schema.optionalKey(MultilineText(1000)),
  reclaimAt: Schema.optionalKey(Schema.NullOr(IsoDateTime)),
  imageId: ApiId,
  flavorId: ApiId,
  /** "auto" (C4) or a number of sockets dividing the CPU count. */
  sockets: Schema.optionalKey(
    Schema.Union([Schema.Literal("auto"), Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1024 }))]),
  ),
  dataDisks: Schema.optionalKey(DataDisks),
  affinityGroupIds: Schema.optionalKey(Schema.Array(ApiId).check(Schema.isMaxLength(16))),
  dedicatedHost: Schema.optionalKey(Schema.Boolean),
  loginMethod: Schema.optionalKey(LoginMethod),
  keyPairId: Schema.optionalKey(ApiId),
  password: Schema.optionalKey(Text(64)),
  components: Schema.optionalKey(Schema.Array(Text(64)).check(Schema.isMaxLength(16))),
  /** C5: on by default. */
  haEnabled: Schema.optionalKey(Schema.Boolean),
  /** R12: the HA restart order, 0–100, higher first (default 0); HA on only (rule ha-priority-needs-ha). */
  haPriority: Schema.optionalKey(HaPriority),
  /** Start once created (default true). */
  start: Schema.optionalKey(Schema.Boolean),
  /**
   * C6: "auto" (the subnet with the most free IPs the department may use) or 1–8 networks, each with an optional
   * fixed IP (one VM only), a DHCP flag (default: the subnet's) and exactly one default (a single one is the
   * default). Without it the VM has no NIC.
   */
  networks: Schema.optionalKey(
    Schema.Union([
      Schema.Literal("auto"),
      Schema.Array(
        Schema.Struct({
          networkId: ApiId,
          ip: Schema.optionalKey(Text(64)),
          dhcp: Schema.optionalKey(Schema.Boolean),
          isDefault: Schema.optionalKey(Schema.Boolean),
        }).annotate({ identifier: "VmCreateNetwork" }),
      ).check(Schema.isMinLength(1), Schema.isMaxLength(8)),
    ]),
  ),
}).annotate({ identifier: "VmCreate" })
export type CreateVmBody = typeof CreateVmBody.Type

export const toCreateRequest = ({ count, ...rest }: CreateVmBody): VmCreateRequest => ({ ...rest, count: count ?? 1 })

/** C7: what the create wizard shows while choosing. */
export const QuoteBody = Schema.Struct({
  ownerId: Schema.optionalKey(ApiId),
  flavorId: ApiId,
  imageId: ApiId,
  count: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 10 }))),
  dataDisks: Schema.optionalKey(DataDisks),
}).annotate({ identifier: "VmQuoteRequest" })
export type QuoteBody = typeof QuoteBody.Type

export const Quote = VmQuote.annotate({
  identifier: "VmQuote",
  description: "Remaining quota (null: unlimited) and prices in minor units per day",
})

/** C7: the owner's department's remaining quota and the price of the choice, under the same rules as create. */
export const quoteFor = (actor: Actor, body: QuoteBody) => quoteForActor(actor, body)
