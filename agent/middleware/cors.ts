import { cors } from "hono/cors"

export interface CorsOptions {
  /** Origins of the portals that embed the widgets, e.g. `https://portal.example.com`; `*` allows any. */
  readonly origins: ReadonlyArray<string>
}

/** CORS for portals on other origins: bearer tokens (no cookies), so credentials are never allowed. */
export const corsFor = (options: CorsOptions) =>
  cors({
    origin: options.origins.includes("*") ? "*" : [...options.origins],
    allowMethods: ["GET", "HEAD", "POST", "PATCH", "DELETE"],
    allowHeaders: ["Authorization", "Content-Type", "Accept-Language", "If-Match"],
    exposeHeaders: ["Content-Disposition", "Allow", "WWW-Authenticate", "ETag"],
    maxAge: 600,
  })
