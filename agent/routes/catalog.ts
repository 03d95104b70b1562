import { Effect, Schema } from "effect"
import { Hono } from "hono"
import { Flavor, Image, NotFound, Store } from "../../core/index.ts"
import type { Actor } from "../../core/rules/context.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam } from "../validation/schemas.ts"
import { pathParams } from "../validation/validators.ts"

const FlavorSchema = Flavor.annotate({ identifier: "Flavor" })
const ImageSchema = Image.annotate({ identifier: "Image" })

/** C2, G1: public images, and the caller's department's own; a superadmin sees all. */
const imageVisible = (actor: Actor, image: Image) =>
  actor.role === "superadmin" || image.departmentId === null || image.departmentId === actor.departmentId

const visibleImages = Effect.fn("agent.visibleImages")(function* (actor: Actor) {
  const store = yield* Store
  return (yield* store.images.list()).filter((image) => imageVisible(actor, image))
})

const visibleImage = Effect.fn("agent.visibleImage")(function* (actor: Actor, id: string) {
  const store = yield* Store
  const image = yield* store.images.get(id)
  if (!imageVisible(actor, image)) return yield* new NotFound({ resource: "image", id })
  return image
})

/** /api/v1/flavors (C3). */
export const flavorRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/",
      doc({
        tag: "Catalog",
        summary: "List flavors (C3)",
        ok: { 200: json("Flavors", Schema.Struct({ items: Schema.Array(FlavorSchema) })) },
      }),
      async (c) =>
        c.json({
          items: await runEffect(
            c,
            Store.use((s) => s.flavors.list()),
          ),
        }),
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
    .get(
      "/",
      doc({
        tag: "Catalog",
        summary: "List the images the caller may use (C2)",
        ok: { 200: json("Images", Schema.Struct({ items: Schema.Array(ImageSchema) })) },
      }),
      async (c) => c.json({ items: await runEffect(c, visibleImages(c.var.actor)) }),
    )
    .get(
      "/:id",
      doc({ tag: "Catalog", summary: "One image", ok: { 200: json("The image", ImageSchema) }, errors: [400, 404] }),
      pathParams(IdParam),
      async (c) => c.json(await runEffect(c, visibleImage(c.var.actor, c.req.valid("param").id))),
    )
