import { Effect } from "effect"
import { priceBookOf } from "../cost/price-book.ts"
import type { CreateQuote, Flavor, Image, Quota, QuotaUsage } from "../model/index.ts"
import type { Actor } from "../rules/context.ts"
import { imageAvailable } from "../rules/resources.ts"
import { checkRules } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"
import { resolveOwner } from "./owner.ts"

export interface DiskChoice {
  readonly sizeGiB: number
  readonly storageClass?: string
}

const left = (limit: number | null, used: number) => (limit === null ? null : Math.max(0, limit - used))

export const remainingQuota = (quota: Quota, usage: QuotaUsage): CreateQuote["remaining"] => ({
  cpus: left(quota.cpus, usage.cpus),
  memoryMiB: left(quota.memoryMiB, usage.memoryMiB),
  diskGiB: left(quota.diskGiB, usage.diskGiB),
  vmCount: left(quota.vmCount, usage.vmCount),
})

/** Price of the disks by storage class; a class with no price row costs nothing. */
export const diskPricePerDay = Effect.fn("operations.diskPricePerDay")(function* (disks: ReadonlyArray<DiskChoice>) {
  const store = yield* Store
  const book = priceBookOf({ flavors: [], images: [], prices: yield* store.prices.list({ item: "disk-gib" }) })
  return disks.reduce((sum, d) => sum + d.sizeGiB * book.diskGiB(d.storageClass ?? "standard"), 0)
})

export const quoteCreate = Effect.fn("operations.quoteCreate")(function* (input: {
  readonly departmentId: string
  readonly flavor: Flavor
  readonly image: Image
  readonly disks: ReadonlyArray<DiskChoice>
  readonly count: number
}) {
  const store = yield* Store
  const quota = yield* store.quotas.get(input.departmentId)
  const usage = yield* store.quotas.usage(input.departmentId)
  const disks = yield* diskPricePerDay(input.disks)
  const perVmPerDay = input.flavor.perDay + input.image.perDay + disks
  const quote: CreateQuote = {
    remaining: remainingQuota(quota, usage),
    perVmPerDay,
    totalPerDay: perVmPerDay * input.count,
    breakdown: { flavor: input.flavor.perDay, image: input.image.perDay, disks },
  }
  return quote
})

/** C7 for a caller: the owner and image resolved under the same scope and rules as a create. */
export const quoteForActor = Effect.fn("operations.quoteForActor")(function* (
  actor: Actor,
  choice: {
    readonly ownerId?: string
    readonly flavorId: string
    readonly imageId: string
    readonly dataDisks?: ReadonlyArray<DiskChoice>
    readonly count?: number
  },
) {
  const store = yield* Store
  const owner = yield* resolveOwner(actor, choice.ownerId)
  const flavor = yield* store.flavors.get(choice.flavorId)
  const image = yield* store.images.get(choice.imageId)
  const context = { image, departmentId: owner.departmentId }
  yield* checkRules("vm.create", [imageAvailable((c: typeof context) => c)], context)
  const quote = yield* quoteCreate({
    departmentId: owner.departmentId,
    flavor,
    image,
    disks: choice.dataDisks ?? [],
    count: choice.count ?? 1,
  })
  return { departmentId: owner.departmentId, ...quote }
})
