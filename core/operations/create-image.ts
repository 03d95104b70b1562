import { randomUUID } from "node:crypto"
import { posix } from "node:path"
import { Effect } from "effect"
import { HostConfig } from "../config.ts"
import type { Driver } from "../driver/driver.ts"
import { DriverError, Unsupported } from "../driver/errors.ts"
import { InvalidInput, NotFound } from "../errors.ts"
import type { Disk, Image } from "../model/index.ts"
import { type CreateImageContext, configRules } from "../rules/config.ts"
import type { Actor } from "../rules/context.ts"
import { Store } from "../store/ports.ts"
import { now } from "./clock.ts"
import { driverFor } from "./driver-for.ts"
import { runVmOperation } from "./run-vm-operation.ts"
import type { BackgroundWork, VmOperation } from "./vm-operation.ts"

interface Imaging extends CreateImageContext {
  readonly imageId: string
  readonly source: Image
  readonly system: Disk
}

type Prepared = { readonly driver: Driver; readonly copy: NonNullable<Driver["backups"]>; readonly imagesDir: string }

/** Where images made from VMs live: beside the disks, in their own folder. */
const imagesDirOf = (storageDir: string) => posix.join(posix.dirname(storageDir), "images")

/**
 * K3: an image from a stopped VM's system disk, for the VM's department: its record goes in first as the source image's
 * sibling (same OS, boot, minimum cores; the system disk's size as the minimum), then the driver writes the disk's
 * content into a standalone file (its full backup, the change-tracking bitmap dropped at once), and the image's size
 * is recorded. Until then it is not offered: a failed copy removes the record and the file. Data disks are not part
 * of an image. The task's params.imageId names the image; VMs created from it boot with the source's files.
 */
export const createImageOperation: VmOperation<
  "full",
  string,
  Imaging,
  Prepared,
  BackgroundWork<Imaging, Prepared, Image>
> = {
  operation: "vm.create-image",
  reads: "full",
  context: (base, name) =>
    Effect.gen(function* () {
      const store = yield* Store
      const [source, systems] = yield* Effect.all(
        [store.images.get(base.vm.imageId), store.disks.list({ vmId: base.vm.id, role: "system" })],
        { concurrency: "unbounded" },
      )
      const [system] = systems
      if (system === undefined) return yield* new NotFound({ resource: "disk", id: `system disk of ${base.vm.id}` })
      return { ...base, name, imageId: randomUUID(), source, system }
    }),
  rules: configRules["create-image"],
  prepare: ({ vm }) =>
    Effect.gen(function* () {
      const config = yield* HostConfig
      const driver = yield* driverFor(vm, "vm.create-image")
      if (driver.backups === undefined || !driver.capabilities.has("diskBackup")) {
        const reason = new Unsupported({ capability: "diskBackup" })
        return yield* new DriverError({ driver: driver.name, operation: "vm.create-image", reason })
      }
      return { driver, copy: driver.backups, imagesDir: imagesDirOf(config.storageDir) }
    }),
  task: ({ imageId, name }) => ({ targetId: imageId, params: { imageId, name } }),
  work: {
    kind: "background",
    record: (context, { imagesDir }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const { source, system, vm } = context
        const image: Image = {
          id: context.imageId,
          name: context.name,
          osFamily: source.osFamily,
          osName: source.osName,
          format: "qcow2",
          location: posix.join(imagesDir, `${context.imageId}.qcow2`),
          boot: source.boot,
          minCores: source.minCores,
          minDiskGiB: system.sizeGiB,
          perDay: source.perDay,
          departmentId: vm.departmentId,
          sourceVmId: vm.id,
          passwordManaged: source.passwordManaged,
          sizeBytes: 0,
          createdAt: yield* now,
        }
        return yield* store.images.insert(image)
      }),
    discard: ({ imageId }) => Store.use((store) => store.images.remove(imageId)),
    run: ({ vm, system, imageId }, { copy }, recorded) =>
      Effect.gen(function* () {
        const store = yield* Store
        const image = yield* recorded
        const chain = `hx-image-${imageId.slice(0, 8)}`
        const made = yield* copy.full(vm.hostname, system.id, image.location, { chain })
        yield* copy.dropChain(vm.hostname, system.id, chain)
        yield* store.images.update(imageId, { sizeBytes: Math.max(0, Math.round(made.sizeBytes)) })
        return { imageId, sizeBytes: made.sizeBytes }
      }),
    onFailure: ({ imageId }, { driver }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const image = yield* store.images.get(imageId)
        yield* Effect.ignore(driver.volumes.remove(image.location))
        yield* store.images.remove(imageId)
      }),
  },
}

/** K3: returns the task at once; it ends when the image holds the system disk's content. */
export const createImage = (actor: Actor, vmId: string, name: string) =>
  name.trim() === "" || name.length > 64
    ? Effect.fail(new InvalidInput({ message: "An image name is 1 to 64 characters" }))
    : runVmOperation(createImageOperation, actor, vmId, name)
