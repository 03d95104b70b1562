import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { sampleRows } from "../store/testing.ts"
import { dailyCost } from "./daily.ts"
import type { Holding, HoldingRecord } from "./holding.ts"
import { priceBookOf } from "./price-book.ts"

const small = sampleRows.flavor({ id: "small", perDay: 240 })
const large = sampleRows.flavor({ id: "large", perDay: 960 })
const book = priceBookOf({
  flavors: [small, large],
  images: [sampleRows.image({ id: "win", perDay: 48 })],
  prices: [
    sampleRows.price({ item: "disk-gib", variant: "standard", perDay: 2 }),
    sampleRows.price({ item: "disk-gib", variant: "ssd", perDay: 5 }),
    sampleRows.price({ item: "public-ip", variant: "", perDay: 30 }),
    sampleRows.price({ item: "service", variant: "domain-join", perDay: 12 }),
  ],
})
const holding = (o: Partial<Holding> = {}): Holding => ({
  flavorId: "small",
  imageId: "win",
  disks: [
    { sizeGiB: 20, storageClass: "standard" },
    { sizeGiB: 10, storageClass: "ssd" },
  ],
  publicIps: 1,
  gpus: 0,
  services: ["domain-join"],
  ...o,
})
const record = (since: string, h: Holding | null): HoldingRecord => ({ vmId: "vm", since: new Date(since), holding: h })

describe("M3 daily cost, pure", () => {
  it("M3 a whole day: the price book applied to what the VM held", () => {
    const cost = dailyCost("vm", "2026-12-05", [record("2026-12-01T08:00:00Z", holding())], book)
    assert.deepEqual(cost, {
      vmId: "vm",
      day: "2026-12-05",
      flavor: 240,
      storage: 20 * 2 + 10 * 5,
      image: 48,
      publicIp: 30,
      services: 12,
      gpu: 0,
      total: 240 + 90 + 48 + 30 + 12,
    })
  })

  it("M3 K1 a resize at 18:00 counts three quarters of the day at the old flavor, a quarter at the new", () => {
    const cost = dailyCost(
      "vm",
      "2026-12-05",
      [record("2026-12-01T08:00:00Z", holding()), record("2026-12-05T18:00:00Z", holding({ flavorId: "large" }))],
      book,
    )
    assert.equal(cost?.flavor, 240 * 0.75 + 960 * 0.25)
    assert.equal(cost?.storage, 90)
    assert.equal(cost?.total, 420 + 90 + 48 + 30 + 12)
  })

  it("M3 created at noon and purged at 18:00: a quarter of the day; nothing before or after", () => {
    const records = [record("2026-12-05T12:00:00Z", holding()), record("2026-12-05T18:00:00Z", null)]
    const cost = dailyCost("vm", "2026-12-05", records, book)
    assert.equal(cost?.flavor, 60)
    assert.equal(cost?.total, Math.round(240 / 4) + Math.round(90 / 4) + 12 + Math.round(30 / 4) + 3)
    assert.equal(dailyCost("vm", "2026-12-06", records, book), undefined)
    assert.equal(dailyCost("vm", "2026-12-04", records, book), undefined)
  })

  it("M3 today so far: cut at `until`", () => {
    const cost = dailyCost(
      "vm",
      "2026-12-05",
      [record("2026-12-01T00:00:00Z", holding())],
      book,
      new Date("2026-12-05T06:00:00Z"),
    )
    assert.equal(cost?.flavor, 60)
  })
})
