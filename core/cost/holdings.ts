import { Effect } from "effect"
import type { Disk } from "../model/storage.ts"
import type { Vm } from "../model/vm.ts"
import { now } from "../operations/clock.ts"
import { Store } from "../store/ports.ts"
import { type Holding, type HoldingRecord, sameHolding } from "./holding.ts"

/**
 * What a VM holds now. Public IPs: the platform has no public-address model yet, so none are counted (the price
 * book has the price for when it has). A VM in the recycle bin still holds its disks and flavor.
 */
export const holdingOf = (vm: Vm, disks: ReadonlyArray<Disk>, gpus: number): Holding => ({
  flavorId: vm.flavorId,
  imageId: vm.imageId,
  disks: disks
    .filter((d) => d.vmId === vm.id)
    .map((d) => ({ sizeGiB: d.sizeGiB, storageClass: d.storageClass }))
    .sort((a, b) => a.storageClass.localeCompare(b.storageClass) || a.sizeGiB - b.sizeGiB),
  publicIps: 0,
  gpus,
  services: [...vm.components].sort(),
})

/**
 * M3: record, for every VM, what it holds now if that differs from its last record, and `null` for a VM that is
 * gone. Run after each settled task and every few minutes: a change counts from when it was recorded. Yields how
 * many records were written.
 */
export const recordHoldings = Effect.fn("cost.recordHoldings")(function* () {
  const store = yield* Store
  const at = yield* now
  const [live, recycled, disks, gpus, latest] = yield* Effect.all(
    [
      store.vms.list(),
      store.vms.list({ recycled: true }),
      store.disks.list(),
      store.hostDevices.list({ kind: "gpu" }),
      store.costs.latestHoldings(),
    ],
    { concurrency: "unbounded" },
  )
  const last = new Map(latest.map((r) => [r.vmId, r.holding]))
  const gpusOf = (vmId: string) => gpus.filter((g) => g.vmId === vmId).length
  const records: Array<HoldingRecord> = []
  const present = new Set<string>()
  for (const vm of [...live, ...recycled]) {
    present.add(vm.id)
    const holding = holdingOf(vm, disks, gpusOf(vm.id))
    const before = last.get(vm.id)
    if (before === undefined || !sameHolding(before, holding)) records.push({ vmId: vm.id, since: at, holding })
  }
  for (const [vmId, holding] of last) {
    if (holding !== null && !present.has(vmId)) records.push({ vmId, since: at, holding: null })
  }
  yield* store.costs.insertHoldings(records)
  return records.length
})
