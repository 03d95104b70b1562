import type { Holding, HoldingRecord } from "./holding.ts"
import type { PriceBook } from "./price-book.ts"

/** M3, D5: one VM's cost for one day, by the manual's five headings (GPUs apart), in minor units. */
export interface DailyCost {
  readonly vmId: string
  /** The UTC day, YYYY-MM-DD. */
  readonly day: string
  readonly flavor: number
  readonly storage: number
  readonly image: number
  readonly publicIp: number
  readonly services: number
  readonly gpu: number
  readonly total: number
}

const dayMs = 86_400_000

/** [start, end) of a UTC day. */
export const dayBounds = (day: string): { readonly start: Date; readonly end: Date } => {
  const start = new Date(`${day}T00:00:00.000Z`)
  return { start, end: new Date(start.getTime() + dayMs) }
}

export const dayOf = (at: Date): string => at.toISOString().slice(0, 10)

const perDay = (book: PriceBook, h: Holding) => ({
  flavor: book.flavor(h.flavorId),
  storage: h.disks.reduce((sum, d) => sum + d.sizeGiB * book.diskGiB(d.storageClass), 0),
  image: book.image(h.imageId),
  publicIp: h.publicIps * book.publicIp,
  services: h.services.reduce((sum, name) => sum + book.service(name), 0),
  gpu: h.gpus * book.gpu,
})

/**
 * M3, pure: a day's cost from the VM's holdings history. Each holding counts for the share of the day it was held
 * (a resize at noon: half a day of each flavor); the time before the first record and after a `null` (purged)
 * costs nothing. Each heading is rounded to whole minor units, and the total is their sum, so the tab adds up.
 * `records` are one VM's, oldest first, and must include the last one before the day (what it held at midnight).
 * undefined when the VM held nothing that day. `until` cuts a day that is not over (today so far).
 */
export const dailyCost = (
  vmId: string,
  day: string,
  records: ReadonlyArray<HoldingRecord>,
  book: PriceBook,
  until?: Date,
): DailyCost | undefined => {
  const { start, end: dayEnd } = dayBounds(day)
  const end = until !== undefined && until < dayEnd ? until : dayEnd
  const sums = { flavor: 0, storage: 0, image: 0, publicIp: 0, services: 0, gpu: 0 }
  let held = false
  records.forEach((record, i) => {
    const next = records[i + 1]
    const from = Math.max(record.since.getTime(), start.getTime())
    const to = Math.min(next === undefined ? end.getTime() : next.since.getTime(), end.getTime())
    if (record.holding === null || to <= from) return
    held = true
    const share = (to - from) / dayMs
    const prices = perDay(book, record.holding)
    for (const key of Object.keys(sums) as Array<keyof typeof sums>) sums[key] += prices[key] * share
  })
  if (!held) return undefined
  const rounded = {
    flavor: Math.round(sums.flavor),
    storage: Math.round(sums.storage),
    image: Math.round(sums.image),
    publicIp: Math.round(sums.publicIp),
    services: Math.round(sums.services),
    gpu: Math.round(sums.gpu),
  }
  const total = Object.values(rounded).reduce((sum, value) => sum + value, 0)
  return { vmId, day, ...rounded, total }
}
