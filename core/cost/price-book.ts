import type { Flavor, Image } from "../model/catalog.ts"
import type { Price } from "../model/org.ts"

/**
 * M3, C7: the prices of one moment, looked up the way the create quote (operations/quote.ts) prices a choice:
 * a flavor and an image by their own perDay, storage per GiB-day by storage class, and the `prices` rows for
 * public IPs, GPUs and services. Anything without a price costs nothing. All in minor units per day.
 */
export interface PriceBook {
  readonly flavor: (flavorId: string) => number
  readonly image: (imageId: string) => number
  readonly diskGiB: (storageClass: string) => number
  readonly publicIp: number
  readonly gpu: number
  readonly service: (name: string) => number
}

export const priceBookOf = (input: {
  readonly flavors: ReadonlyArray<Flavor>
  readonly images: ReadonlyArray<Image>
  readonly prices: ReadonlyArray<Price>
}): PriceBook => {
  const flavors = new Map(input.flavors.map((f) => [f.id, f.perDay]))
  const images = new Map(input.images.map((i) => [i.id, i.perDay]))
  const price = (item: Price["item"], variant: string) =>
    input.prices.find((p) => p.item === item && p.variant === variant)?.perDay ?? 0
  return {
    flavor: (id) => flavors.get(id) ?? 0,
    image: (id) => images.get(id) ?? 0,
    diskGiB: (storageClass) => price("disk-gib", storageClass),
    publicIp: price("public-ip", ""),
    gpu: price("gpu", ""),
    service: (name) => price("service", name),
  }
}
