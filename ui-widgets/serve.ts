import { createHash } from "node:crypto"
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import type { Env, Hono } from "hono"
import { describeRoute } from "hono-openapi"
import { bundleFile, ensureWidgetsBuilt, widgetsDist, widgetsRoot } from "./build.ts"

export interface WidgetRouteOptions {
  /** Where the built bundle is; built there on the first request when missing. Default ui-widgets/dist. */
  readonly distDir?: string
  /** Serve the demo portal at /demo and /demo/; default true (false where agent/start serves ui-widgets/demo). */
  readonly demo?: boolean
}

/** The files of the bundle: the entry, its chunks and their source maps; nothing else is ever read. */
const servable = /^(chunks\/)?[A-Za-z0-9_.-]+\.(js|js\.map)$/

/** Not part of the API: kept out of the OpenAPI document. */
const hidden = describeRoute({ hide: true })

const contentType = (file: string) =>
  file.endsWith(".map") ? "application/json; charset=utf-8" : "text/javascript; charset=utf-8"

/**
 * Serve the widgets from the agent: GET /widgets/hyperx-widgets.js (the one module a portal loads), its noVNC chunk
 * under /widgets/chunks/, source maps, and the demo portal at GET /demo. Module scripts from another origin are
 * fetched with CORS, so the files allow any origin (they are public, and no credentials ride on them). The entry is
 * revalidated on every load (a new agent brings new widgets) by its ETag, so an unchanged bundle costs a 304 and no
 * body; chunks have content hashes and are cached for good.
 */
export const widgetRoutes = <E extends Env>(app: Hono<E>, options: WidgetRouteOptions = {}): Hono<E> => {
  const dist = options.distDir ?? widgetsDist
  app.get("/widgets/*", hidden, async (c) => {
    const file = c.req.path.slice("/widgets/".length)
    if (!servable.test(file)) return c.text("Not found", 404)
    await ensureWidgetsBuilt(dist)
    let body: Buffer
    try {
      body = await readFile(join(dist, file))
    } catch {
      return c.text("Not found", 404)
    }
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`
    const headers = {
      "Cache-Control": file === bundleFile ? "no-cache" : "public, max-age=31536000, immutable",
      "Access-Control-Allow-Origin": "*",
      ETag: etag,
    }
    const known = c.req
      .header("If-None-Match")
      ?.split(",")
      .map((tag) => tag.trim().replace(/^W\//, ""))
    if (known?.includes(etag) || known?.includes("*")) return c.body(null, 304, headers)
    return c.body(new Uint8Array(body), 200, {
      ...headers,
      "Content-Type": contentType(file),
      "X-Content-Type-Options": "nosniff",
    })
  })
  if (options.demo ?? true) {
    const page = async () => readFile(join(widgetsRoot, "demo", "index.html"))
    for (const path of ["/demo", "/demo/"]) {
      app.get(path, hidden, async (c) =>
        c.body(new Uint8Array(await page()), 200, {
          "Content-Type": "text/html; charset=utf-8",
          "Cache-Control": "no-cache",
        }),
      )
    }
  }
  return app
}
