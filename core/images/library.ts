import { Effect } from "effect"
import type { Image, ImageFormat, OsFamily } from "../model/catalog.ts"
import type { Actor } from "../rules/context.ts"
import { type ImageFileContext, imageLibraryRules } from "../rules/images.ts"
import { checkRules } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"

/** What an upload tells of its image; the agent received the file, measured it and looked inside it. */
export interface ImageRegistration {
  readonly name: string
  readonly format: ImageFormat
  readonly osFamily: OsFamily
  readonly osName: string
  /** Null: public; else only this department sees it. */
  readonly departmentId: string | null
  readonly location: string
  readonly sizeBytes: number
  /** A disk image's virtual size (qemu-img info); null for an ISO. */
  readonly virtualSizeBytes: number | null
  readonly sha256: string
  /** R6 R11: its guest runs an agent that sets passwords. */
  readonly passwordManaged: boolean
}

const GIB = 1024 ** 3

/** X3, G1: only a superadmin adds to the library; checked before a byte of the upload is read. */
export const checkImageUpload = (actor: Actor) => checkRules("image.upload", imageLibraryRules.upload, { actor })

/**
 * X3, #20 "image registration": a received file becomes an image once its format is the one claimed (an ISO 9660
 * volume, or a qcow2/raw that qemu-img reads, qcow2 without a backing file) and its sha256 the one expected.
 */
export const registerImage = Effect.fn("images.register")(function* (
  actor: Actor,
  file: ImageFileContext,
  registration: ImageRegistration,
) {
  yield* checkRules("image.upload", imageLibraryRules.verify, { ...file, actor })
  const store = yield* Store
  const image: Image = {
    id: crypto.randomUUID(),
    name: registration.name,
    osFamily: registration.osFamily,
    osName: registration.osName,
    format: registration.format,
    location: registration.location,
    boot: { kind: "disk" },
    minCores: 1,
    minDiskGiB: Math.max(1, Math.ceil((registration.virtualSizeBytes ?? 0) / GIB)),
    perDay: 0,
    departmentId: registration.departmentId,
    sourceVmId: null,
    passwordManaged: registration.passwordManaged,
    sizeBytes: registration.sizeBytes,
    sha256: registration.sha256,
    createdAt: new Date(),
  }
  return yield* store.images.insert(image)
})

/** X3: an image goes only while no VM (in the recycle bin too) is installed from it or holds it as a disc. */
export const deleteImage = Effect.fn("images.delete")(function* (actor: Actor, id: string) {
  const store = yield* Store
  const image = yield* store.images.get(id)
  const uses = (filter: { imageId: string } | { isoImageId: string }) =>
    Effect.map(
      Effect.all([store.vms.list(filter), store.vms.list({ ...filter, recycled: true })]),
      ([live, recycled]) => live.length + recycled.length,
    )
  const installedOn = yield* uses({ imageId: id })
  const insertedIn = yield* uses({ isoImageId: id })
  yield* checkRules("image.delete", imageLibraryRules.delete, { actor, image, installedOn, insertedIn })
  yield* store.images.remove(id)
  return image
})
