import { existsSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import type { Hono } from "hono"
import { describeRoute } from "hono-openapi"
import type { AgentEnv } from "../env.ts"
import { projectRoot } from "./config.ts"

/** ui-widgets/serve.ts: the widgets' own routes (the bundle at /widgets/*, the demo portal at /demo). */
export const defaultWidgetsModule = join(projectRoot, "ui-widgets", "serve.ts")

interface WidgetsModule {
  readonly widgetRoutes?: (app: Hono<AgentEnv>, options?: { readonly demo?: boolean }) => unknown
}

const placeholder = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hyperx demo</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>hyperx agent</h1>
<p>The agent runs. The demo portal page with the web components is not part of this checkout
(it comes from <code>ui-widgets/</code>).</p>
<p>The API is at <a href="/api/v1/openapi.json"><code>/api/v1</code></a>; see <code>agent/README.md</code>.</p>
</body></html>
`

/** Not part of the API: kept out of the OpenAPI document. */
const hidden = describeRoute({ hide: true })

/**
 * The widgets and their demo portal page, served by the widgets' own module when the checkout has it (loaded at
 * run time, so the agent starts without it); otherwise GET /demo is a placeholder that says so. GET / leads to
 * /demo for whoever opens the agent's address in a browser. Returns whether the real demo is served.
 */
export const addDemoRoutes = async (app: Hono<AgentEnv>, widgetsModule = defaultWidgetsModule): Promise<boolean> => {
  app.get("/", hidden, (c) => c.redirect("/demo"))
  const widgets: WidgetsModule | undefined = existsSync(widgetsModule)
    ? await import(pathToFileURL(widgetsModule).href).catch(() => undefined)
    : undefined
  if (typeof widgets?.widgetRoutes === "function") {
    widgets.widgetRoutes(app, { demo: true })
    return true
  }
  app.get("/demo", hidden, (c) => c.html(placeholder))
  return false
}
