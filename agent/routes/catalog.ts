import { Effect, Schema } from "effect"
import { Hono } from "hono"
import { Flavor, Image, NotFound, Store } from "../../core/index.ts"
import { createFlavor, listFlavors, setFlavorRetired, setImageRetired } from "../../core/org/index.ts"
import type { Actor } from "../../core/rules/context.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam, QueryBool, Text } from "../validation/schemas.ts"
import { jsonBody, pathParams, queryParams } from "../validation/validators.ts"
import { imageLibraryRoutes } from "./image-library.ts"

const FlavorSchema = Flavor.annotate({ identifier: "Flavor" })
const CatalogQuery = Schema.Struct({ retired: Schema.optionalKey(QueryBool), lang: Schema.optionalKey(Text(35)) })
const FlavorBody = Schema.Struct({
  name: Text(64).check(Schema.isMinLength(1)),
  cpus: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 512 })),
  memoryMiB: Schema.Int.check(Schema.isBetween({ minimum: 64, maximum: 16_777_216 })),
  gpuAllowed: Schema.optionalKey(Schema.Boolean),
  perDay: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 1_000_000_000 })).annotate({
    description: "Price per day, minor units (M3)",
  }),
}).annotate({ identifier: "FlavorInput" })
const ImageSchema = Image.annotate({ identifier: "Image" })

/** C2, G1: public images, and the caller's department's own; a superadmin sees all. */
const imageVisible = (actor: Actor, image: Image) =>
  actor.role === "superadmin" || image.departmentId === null || image.departmentId === actor.departmentId

/** C2, G1: retired images are left out unless a superadmin asks for them. */
const visibleImages = Effect.fn("agent.visibleImages")(function* (actor: Actor, withRetired: boolean) {
  const store = yield* Store
  const retiredShown = withRetired && actor.role === "superadmin"
  return (yield* store.images.list()).filter(
    (image) => imageVisible(actor, image) && (retiredShown || (image.retiredAt ?? null) === null),
  )
})

const visibleImage = Effect.fn("agent.visibleImage")(function* (actor: Actor, id: string) {
  const store = yield* Store
  const image = yield* store.images.get(id)
  if (!imageVisible(actor, image)) return yield* new NotFound({ resource: "image", id })
  return image
})

/** /api/v1/flavors (C3, G1). */
export const flavorRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/",
      doc({
        tag: "Catalog",
        summary: "List the flavors on offer, smallest first (C3); `retired=true`: a superadmin sees retired ones too",
        ok: { 200: json("Flavors", Schema.Struct({ items: Schema.Array(FlavorSchema) })) },
        errors: [400],
      }),
      queryParams(CatalogQuery),
      async (c) =>
        c.json({ items: await runEffect(c, listFlavors(c.var.actor, c.req.valid("query").retired === true)) }),
    )
    .post(
      "/",
      doc({
        tag: "Catalog",
        summary: "Add a flavor (G1; superadmin-only)",
        ok: { 201: json("The flavor", FlavorSchema) },
        errors: [400, 403, 415, 422],
      }),
      jsonBody(FlavorBody),
      async (c) => c.json(await runEffect(c, createFlavor(c.var.actor, c.req.valid("json"))), 201),
    )
    .put(
      "/:id/retired",
      doc({
        tag: "Catalog",
        summary: "Retire a flavor: no new VM or resize gets it (flavor-retired); VMs that have it keep it (G1)",
        ok: { 200: json("The flavor", FlavorSchema) },
        errors: [400, 403, 404],
      }),
      pathParams(IdParam),
      async (c) => c.json(await runEffect(c, setFlavorRetired(c.var.actor, c.req.valid("param").id, true))),
    )
    .delete(
      "/:id/retired",
      doc({
        tag: "Catalog",
        summary: "Offer a retired flavor again (G1)",
        ok: { 200: json("The flavor", FlavorSchema) },
        errors: [400, 403, 404],
      }),
      pathParams(IdParam),
      async (c) => c.json(await runEffect(c, setFlavorRetired(c.var.actor, c.req.valid("param").id, false))),
    )
    .get(
      "/:id",
      doc({ tag: "Catalog", summary: "One flavor", ok: { 200: json("The flavor", FlavorSchema) }, errors: [400, 404] }),
      pathParams(IdParam),
      async (c) =>
        c.json(
          await runEffect(
            c,
            Store.use((s) => s.flavors.get(c.req.valid("param").id)),
          ),
        ),
    )

/** /api/v1/images (C2): public ones and the caller's department's. */
export const imageRoutes = () =>
  new Hono<AgentEnv>()
    .route("/", imageLibraryRoutes())
    .get(
      "/",
      doc({
        tag: "Catalog",
        summary: "List the images the caller may use (C2); `retired=true`: a superadmin sees retired ones too",
        ok: { 200: json("Images", Schema.Struct({ items: Schema.Array(ImageSchema) })) },
        errors: [400],
      }),
      queryParams(CatalogQuery),
      async (c) =>
        c.json({ items: await runEffect(c, visibleImages(c.var.actor, c.req.valid("query").retired === true)) }),
    )
    .put(
      "/:id/retired",
      doc({
        tag: "Catalog",
        summary: "Retire an image: nothing new is installed from it (image-retired); its VMs keep it (G1)",
        ok: { 200: json("The image", ImageSchema) },
        errors: [400, 403, 404],
      }),
      pathParams(IdParam),
      async (c) => c.json(await runEffect(c, setImageRetired(c.var.actor, c.req.valid("param").id, true))),
    )
    .delete(
      "/:id/retired",
      doc({
        tag: "Catalog",
        summary: "Offer a retired image again (G1)",
        ok: { 200: json("The image", ImageSchema) },
        errors: [400, 403, 404],
      }),
      pathParams(IdParam),
      async (c) => c.json(await runEffect(c, setImageRetired(c.var.actor, c.req.valid("param").id, false))),
    )
    .get(
      "/:id",
      doc({ tag: "Catalog", summary: "One image", ok: { 200: json("The image", ImageSchema) }, errors: [400, 404] }),
      pathParams(IdParam),
      async (c) => c.json(await runEffect(c, visibleImage(c.var.actor, c.req.valid("param").id))),
    )
