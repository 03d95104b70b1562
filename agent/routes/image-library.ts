import { randomUUID } from "node:crypto"
import { rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ReadableStream } from "node:stream/web"
import { Effect, Schema } from "effect"
import type { Context } from "hono"
import { Hono } from "hono"
import {
  checkImageUpload,
  deleteImage,
  HostConfig,
  Image,
  ImageFormat,
  OsFamily,
  registerImage,
} from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { apiErrors } from "../errors/messages.ts"
import { inspectImage } from "../images/inspect.ts"
import { receiveUpload, UploadTooLarge } from "../images/receive.ts"
import { doc, json } from "../openapi/describe.ts"
import { ApiId, IdParam, QueryBool, Text } from "../validation/schemas.ts"
import { pathParams, queryParams } from "../validation/validators.ts"

const DEFAULT_MAX_BYTES = 16 * 1024 ** 3
const ImageSchema = Image.annotate({ identifier: "Image" })

const UploadQuery = Schema.Struct({
  name: Text(64).check(Schema.isMinLength(1)),
  format: ImageFormat,
  osFamily: Schema.optionalKey(OsFamily),
  osName: Schema.optionalKey(Text(64)),
  /** Null: public; else only this department sees it. */
  departmentId: Schema.optionalKey(ApiId),
  /** R6 R11: the image's guest runs an agent that sets passwords (a disk image only). */
  passwordManaged: Schema.optionalKey(QueryBool),
  sha256: Schema.optionalKey(
    Schema.String.check(Schema.isPattern(/^[0-9a-fA-F]{64}$/, { message: "Expected 64 hex digits" })),
  ),
})

const isOctetStream = (c: Context<AgentEnv>) =>
  (c.req.header("Content-Type") ?? "").split(";")[0]?.trim().toLowerCase() === "application/octet-stream"

/** The one request the body limit and the JSON check let through: an upload streamed to disk (X3, #20). */
export const isStreamedUpload = (c: Context<AgentEnv>, apiBase: string) =>
  c.req.method === "POST" && c.req.path === `${apiBase}/images` && isOctetStream(c)

/** /api/v1/images: the library's upload and delete (X3, and #20's image registration). */
export const imageLibraryRoutes = () =>
  new Hono<AgentEnv>()
    .post(
      "/",
      doc({
        tag: "Catalog",
        summary: "Upload an image (X3 ISO, or a qcow2/raw disk image; superadmin)",
        description:
          "The body is the file itself (Content-Type: application/octet-stream), streamed to the host's image " +
          "folder with a size limit (413) and hashed; `sha256`, when given, must match (rule image-checksum). An ISO " +
          "must be an ISO 9660 volume, a disk image what `qemu-img info` reads in that format, a qcow2 without a " +
          "backing file (rule image-format). `passwordManaged=true` says the guest runs an agent that sets passwords " +
          "(qemu-ga or the like): VMs installed from it then have their password set and shown (R6, R11); a disk " +
          "image only (rule image-password-managed). Refused uploads leave no file and no record.",
        ok: { 201: json("The image", ImageSchema) },
        errors: [400, 403, 413, 415, 422],
      }),
      queryParams(UploadQuery),
      async (c) => {
        const query = c.req.valid("query")
        const actor = c.var.actor
        const body = c.req.raw.body
        if (!isOctetStream(c) || body === null) throw apiErrors.unsupportedMediaType()
        const config = await runEffect(
          c,
          Effect.gen(function* () {
            yield* checkImageUpload(actor)
            return yield* HostConfig
          }),
        )
        const maxBytes = config.imageUploadMaxBytes ?? DEFAULT_MAX_BYTES
        const extension = query.format === "iso" ? "iso" : query.format === "qcow2" ? "qcow2" : "img"
        const location = join(config.imagesDir ?? join(tmpdir(), "hyperx-images"), `${randomUUID()}.${extension}`)
        const received = await receiveUpload(body as ReadableStream<Uint8Array>, location, maxBytes).catch(
          (error: unknown) => {
            throw error instanceof UploadTooLarge ? apiErrors.payloadTooLarge(error.maxBytes) : error
          },
        )
        const inspection = await inspectImage(location)
        const registered = registerImage(
          actor,
          {
            actor,
            claimedFormat: query.format,
            detectedFormat: inspection.detectedFormat,
            problem: inspection.problem,
            expectedSha256: query.sha256 ?? null,
            sha256: received.sha256,
            passwordManaged: query.passwordManaged ?? false,
          },
          {
            name: query.name,
            format: query.format,
            osFamily: query.osFamily ?? "linux",
            osName: query.osName ?? query.name,
            departmentId: query.departmentId ?? null,
            location,
            sizeBytes: received.sizeBytes,
            virtualSizeBytes: inspection.virtualSizeBytes,
            sha256: received.sha256,
            passwordManaged: query.passwordManaged ?? false,
          },
        ).pipe(Effect.tapError(() => Effect.promise(() => rm(location, { force: true }))))
        return c.json(await runEffect(c, registered), 201)
      },
    )
    .delete(
      "/:id",
      doc({
        tag: "Catalog",
        summary: "Delete an image no VM uses (X3; superadmin): its record and its file",
        description:
          "Refused while a VM, in the recycle bin too, is installed from it or holds it (rule image-in-use).",
        ok: { 200: json("The deleted image", ImageSchema) },
        errors: [400, 403, 404, 409],
      }),
      pathParams(IdParam),
      async (c) => {
        const image = await runEffect(c, deleteImage(c.var.actor, c.req.valid("param").id))
        const config = await runEffect(c, HostConfig.use(Effect.succeed))
        // only files of the library: an image registered elsewhere (the seeded guest) keeps its file
        if (
          config.imagesDir !== undefined &&
          (image.sha256 ?? null) !== null &&
          image.location.startsWith(config.imagesDir)
        ) {
          await rm(image.location, { force: true })
        }
        return c.json(image)
      },
    )
