import { createHash, randomUUID } from "node:crypto"
import { posix } from "node:path"
import { Effect } from "effect"
import { ClusterSettings } from "../../cluster/settings.ts"
import { poolOf } from "../../cluster/storage-pool.ts"
import { HostConfig } from "../../config.ts"
import type { Driver, MigrationStorage } from "../../driver/driver.ts"
import { DriverError, Unsupported } from "../../driver/errors.ts"
import { DriverRegistry } from "../../driver/registry.ts"
import type { Disk } from "../../model/storage.ts"
import { Store } from "../../store/ports.ts"
import { syncHostNetworkingWithout } from "../networks/host-networking.ts"
import { buildSpec } from "../spec.ts"
import type { Incoming, MovedDisk } from "./peers.ts"

/** The migration calls of a driver, or the refusal a driver without live migration answers with. */
export const migrationCalls = (driver: Driver, operation: string) =>
  driver.migration !== undefined && driver.capabilities.has("liveMigration")
    ? Effect.succeed(driver.migration)
    : Effect.fail(
        new DriverError({ driver: driver.name, operation, reason: new Unsupported({ capability: "liveMigration" }) }),
      )

/** Whether the VM's disks all lie in the cluster's shared pool (memory moves alone) or some are local (they move). */
export const storageOf = (disks: ReadonlyArray<Pick<Disk, "path">>, sharedStorageDir: string | undefined) =>
  disks.every((d) => poolOf(d, sharedStorageDir) === "shared") ? ("shared" as const) : ("local" as const)

/** This host's driver (the records place the VM on the source: driverFor would refuse it here). */
const ownDriver = Effect.fn("migration.ownDriver")(function* () {
  const store = yield* Store
  const { hostId } = yield* HostConfig
  const host = yield* store.hosts.get(hostId)
  const driver = yield* (yield* DriverRegistry).get(host.driver)
  return { host, driver, calls: yield* migrationCalls(driver, "migration.incoming") }
})

/**
 * The file a disk moved here by migration task `taskId` gets: its id and a suffix of that move, never the file the
 * guest uses now, and found again from the task alone (the sweep removes the files of a move nobody finishes).
 */
export const movedPath = (storageDir: string, diskId: string, taskId: string) =>
  posix.join(storageDir, `${diskId}-m${createHash("sha256").update(taskId).digest("hex").slice(0, 8)}.qcow2`)

/** The open migration of `vmId` to this host (the source's agent recorded it before asking). */
export const incomingTask = Effect.fn("migration.incomingTask")(function* (vmId: string) {
  const { hostId } = yield* HostConfig
  const open = yield* Store.use((store) =>
    store.tasks.list({ vmId, operations: ["vm.migrate"], states: ["queued", "running"] }),
  )
  return open.find((task) => task.targetId === hostId)
})

/**
 * Where each disk goes on this host for a move with local storage: a new file in this host's storage folder, named
 * for the move's task. Every disk moves (the hypervisor mirrors them all); none with shared storage.
 */
const targetDisks = Effect.fn("migration.targetDisks")(function* (vmId: string, storage: MigrationStorage) {
  if (storage === "shared") return []
  const store = yield* Store
  const { storageDir } = yield* HostConfig
  const disks = yield* store.disks.list({ vmId })
  // No task recorded (a caller outside the operation): a suffix of its own, which only the source's abort removes.
  const taskId = (yield* incomingTask(vmId))?.id ?? randomUUID()
  return disks.map((disk) => ({ disk, path: movedPath(storageDir, disk.id, taskId) }))
})

/** The address the source reaches this host on: the host of its agent's URL (its migration network, in general). */
const listenHostOf = (address: string) => (URL.canParse(address) ? new URL(address).hostname : "") || "127.0.0.1"

/**
 * R9, the target's half, on the target's agent: the disk files for local storage (empty, the same virtual size:
 * the source mirrors into them), then the domain defined from the records with those paths, its hypervisor waiting
 * for the incoming state. A failure removes what it made.
 */
export const prepareIncomingHere = Effect.fn("migration.prepareIncomingHere")(function* (
  vmId: string,
  storage: MigrationStorage,
) {
  const store = yield* Store
  const { host, driver, calls } = yield* ownDriver()
  const vm = yield* store.vms.get(vmId)
  const moved = yield* targetDisks(vmId, storage)
  const made: Array<string> = []
  const removeMade = Effect.forEach(made, (path) => Effect.ignore(driver.volumes.remove(path)), { discard: true })
  return yield* Effect.gen(function* () {
    for (const { disk, path } of moved) {
      yield* driver.volumes.create({ path, format: disk.format, sizeGiB: disk.sizeGiB })
      made.push(path)
    }
    const spec = yield* buildSpec(vm)
    const pathOf = new Map(moved.map((m) => [m.disk.id, m.path]))
    const here = { ...spec, disks: spec.disks.map((d) => ({ ...d, path: pathOf.get(d.id) ?? d.path })) }
    const endpoint = yield* calls.prepareIncoming(here, { storage, listenHost: listenHostOf(host.address) })
    const disks: ReadonlyArray<MovedDisk> = moved.map((m) => ({ id: m.disk.id, path: m.path }))
    return { endpoint, disks } satisfies Incoming
  }).pipe(Effect.tapError(() => removeMade))
})

/** R9, the target's half: the guest runs here and is proven alive (the driver's proof). */
export const finishIncomingHere = Effect.fn("migration.finishIncomingHere")(function* (vmId: string) {
  const vm = yield* Store.use((store) => store.vms.get(vmId))
  const { calls } = yield* ownDriver()
  yield* calls.finishIncoming(vm.hostname)
})

/**
 * R9, the target's half: the incoming hypervisor ends, and the disk files `prepareIncomingHere` made for the move go
 * (only such files: in this host's storage folder, named for one of the VM's disks, and not what the records name).
 * A VM the records place here already moved: nothing is undone. Idempotent.
 */
export const abortIncomingHere = Effect.fn("migration.abortIncomingHere")(function* (
  vmId: string,
  made: ReadonlyArray<MovedDisk>,
) {
  const store = yield* Store
  const { hostId, storageDir } = yield* HostConfig
  const vm = yield* store.vms.get(vmId)
  if (vm.hostId === hostId) return
  const { driver, calls } = yield* ownDriver()
  yield* calls.abortIncoming(vm.hostname)
  // #15: the taps made for it go (its task is still open: the records would keep them).
  yield* syncHostNetworkingWithout(vmId).pipe(
    Effect.catch((error) => Effect.logWarning(`${vm.hostname}'s incoming taps were not removed`, error)),
  )
  const disks = yield* store.disks.list({ vmId })
  for (const { id, path } of made) {
    const ours = posix.dirname(path) === posix.normalize(storageDir) && posix.basename(path).startsWith(`${id}-m`)
    const recorded = disks.some((d) => d.id === id && d.path === path)
    if (ours && !recorded && disks.some((d) => d.id === id)) yield* Effect.ignore(driver.volumes.remove(path))
  }
})

/** Whether the cluster's shared pool holds every disk of the VM. */
export const vmStorage = Effect.fn("migration.vmStorage")(function* (vmId: string) {
  const { sharedStorageDir } = yield* ClusterSettings
  return storageOf(yield* Store.use((store) => store.disks.list({ vmId })), sharedStorageDir)
})
