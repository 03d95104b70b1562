import { Effect } from "effect"
import type { HostDevice } from "../model/host.ts"
import { Store } from "../store/ports.ts"
import { type FoundDevice, inventoryChanges } from "./inventory.ts"
import { HostDeviceSource } from "./source.ts"

const facts = (found: FoundDevice) => ({
  kind: found.kind,
  vendorId: found.vendorId,
  productId: found.productId,
  vendor: found.vendor,
  model: found.model,
  iommuGroup: found.iommuGroup,
  driver: found.driver,
  present: true,
})

/**
 * Records what the host has now (at the agent's start and on an admin's demand): new devices are added free, known
 * ones (same address) updated with their VM kept, vanished free ones forgotten, vanished attached ones kept absent.
 * Returns the host's devices as recorded after.
 */
export const refreshHostDevices = Effect.fn("devices.refresh")(function* (hostId: string) {
  const store = yield* Store
  const source = yield* HostDeviceSource
  const found = yield* source.scan
  const stored = yield* store.hostDevices.list({ hostId })
  const changes = inventoryChanges(stored, found)
  for (const device of changes.insert) {
    const row: HostDevice = { id: crypto.randomUUID(), hostId, address: device.address, vmId: null, ...facts(device) }
    yield* store.hostDevices.insert(row)
  }
  for (const { id, found: device } of changes.update) yield* store.hostDevices.update(id, facts(device))
  for (const id of changes.absent) yield* store.hostDevices.update(id, { present: false })
  for (const id of changes.remove) yield* store.hostDevices.remove(id)
  return yield* store.hostDevices.list({ hostId })
})
