import { Hono, type MiddlewareHandler } from "hono"
import type { Logger } from "pino"
import type { AgentEnv, AgentRuntime } from "./env.ts"
import { requestLog } from "./log/request-log.ts"
import { bearerAuth } from "./middleware/auth.ts"
import { limitBodies } from "./middleware/body-limit.ts"
import { type CorsOptions, corsFor } from "./middleware/cors.ts"
import { refuseDotSegments } from "./middleware/dot-segments.ts"
import { handleErrors, handleNotFound } from "./middleware/errors.ts"
import { ifMatch } from "./middleware/if-match.ts"
import { language } from "./middleware/language.ts"
import { provideRuntime } from "./middleware/runtime.ts"
import { mountPrometheus, type Prometheus } from "./monitoring/mount.ts"
import { doc } from "./openapi/describe.ts"
import { openApiDocument, openApiPath } from "./openapi/document.ts"
import { affinityGroupRoutes, vmAffinityRoutes } from "./routes/affinity-groups.ts"
import { alarmRoutes } from "./routes/alarms.ts"
import { backupRoutes } from "./routes/backups.ts"
import { batchRoutes } from "./routes/batch.ts"
import { flavorRoutes, imageRoutes } from "./routes/catalog.ts"
import { costRoutes } from "./routes/costs.ts"
import { departmentDiskRoutes } from "./routes/department-disks.ts"
import { diskRoutes } from "./routes/disks.ts"
import { hostRoutes } from "./routes/hosts.ts"
import { isStreamedUpload } from "./routes/image-library.ts"
import { keyPairRoutes } from "./routes/key-pairs.ts"
import { metricRoutes } from "./routes/metrics.ts"
import { networkRoutes } from "./routes/networks.ts"
import { nicRoutes } from "./routes/nics.ts"
import { companyRoutes, departmentRoutes, tokenRoutes, userRoutes } from "./routes/org.ts"
import { recycleBinRoutes } from "./routes/recycle-bin.ts"
import { snapshotRoutes } from "./routes/snapshots.ts"
import { taskRoutes } from "./routes/tasks.ts"
import { versionRoutes } from "./routes/version.ts"
import { vmActionRoutes } from "./routes/vm-actions.ts"
import { vmCloneRoutes } from "./routes/vm-clone.ts"
import { vmConfigRoutes } from "./routes/vm-config.ts"
import { vmDeviceRoutes } from "./routes/vm-devices.ts"
import { vmImageRoutes } from "./routes/vm-images.ts"
import { vmLoginRoutes } from "./routes/vm-login.ts"
import { vmMigrateRoutes } from "./routes/vm-migrate.ts"
import { vmOwnerRoutes } from "./routes/vm-owner.ts"
import { vmRoutes } from "./routes/vms.ts"
import { requireJsonBodies } from "./validation/validators.ts"

export const apiBase = "/api/v1"

/** Adds routes to the app under /api/v1 (paths relative to it); the seam for WebSocket endpoints. */
export type RouteRegistrar = (api: Hono<AgentEnv>) => void

export interface AppOptions {
  readonly runtime: AgentRuntime
  /** Allow portals on these origins to call the API from the browser. Off by default. */
  readonly cors?: CorsOptions
  /** Larger request bodies get 413; default 1 MiB. */
  readonly bodyLimitBytes?: number
  /**
   * Routes that check credentials themselves (a WebSocket with a one-time ticket): registered before the
   * bearer-token check, after the runtime, language and error handling are in place.
   */
  readonly publicRoutes?: ReadonlyArray<RouteRegistrar>
  /** Routes behind the bearer-token check (`c.var.actor` is set), like the REST resources. */
  readonly authenticatedRoutes?: ReadonlyArray<RouteRegistrar>
  /**
   * #16: runs after the bearer-token check and before the resources: in a cluster, sends requests about another
   * host's VMs to that host's agent (agent/cluster/middleware.ts).
   */
  readonly forwarding?: MiddlewareHandler<AgentEnv>
  /** Measure requests for Prometheus; with a token, also serve `/metrics` here (M1, see monitoring/). */
  readonly prometheus?: Prometheus
  /**
   * Where defects (500s) are logged, with the error and its stack; console.error by default. A request its client
   * abandoned is logged as one line, without an error.
   */
  readonly logError?: (message: string, error?: unknown) => void
  /** #21: a request log line per request (agent/log/request-log.ts); none without. */
  readonly logger?: Logger
}

/** The REST resources, each a sub-app of its own (paths relative to /api/v1). */
const resources: ReadonlyArray<readonly [string, () => Hono<AgentEnv>]> = [
  ["/vms", vmRoutes],
  ["/vms", vmActionRoutes],
  ["/vms", snapshotRoutes],
  ["/vms", diskRoutes],
  ["/vms", vmDeviceRoutes],
  ["/vms", vmConfigRoutes],
  ["/vms", vmMigrateRoutes],
  ["/vms", vmCloneRoutes],
  ["/vms", vmImageRoutes],
  ["/vms", vmOwnerRoutes],
  ["/vms", vmLoginRoutes],
  ["/vms", vmAffinityRoutes],
  ["/vms", metricRoutes],
  ["/vms", alarmRoutes],
  ["/vms", costRoutes],
  ["/backups", backupRoutes],
  ["/disks", departmentDiskRoutes],
  ["/batch", batchRoutes],
  ["/recycle-bin", recycleBinRoutes],
  ["/tasks", taskRoutes],
  ["/flavors", flavorRoutes],
  ["/images", imageRoutes],
  ["/hosts", hostRoutes],
  ["/companies", companyRoutes],
  ["/departments", departmentRoutes],
  ["/users", userRoutes],
  ["/tokens", tokenRoutes],
  ["/vms", nicRoutes],
  ["/networks", networkRoutes],
  ["/key-pairs", keyPairRoutes],
  ["/affinity-groups", affinityGroupRoutes],
  ["/version", versionRoutes],
]

/**
 * The agent's HTTP API: middleware (runtime, language, CORS, body limit, JSON bodies), the public OpenAPI document,
 * the bearer-token check, then one sub-app per resource under /api/v1. Unknown routes and methods answer JSON.
 */
export const createApp = (options: AppOptions): Hono<AgentEnv> => {
  const app = new Hono<AgentEnv>()
  app.onError(handleErrors(options.logError))
  if (options.logger) app.use("*", requestLog(options.logger))
  app.notFound(handleNotFound(app))
  app.use("*", provideRuntime(options.runtime), language(), refuseDotSegments())
  if (options.prometheus) mountPrometheus(app, options.prometheus)
  if (options.cors) app.use("*", corsFor(options.cors))
  const limit = limitBodies(options.bodyLimitBytes ?? 1024 * 1024)
  const jsonOnly = requireJsonBodies()
  // X3, #20: an image upload streams to disk under its own limit; every other body is small JSON
  app.use(`${apiBase}/*`, async (c, next) => {
    if (isStreamedUpload(c, apiBase)) return next()
    await limit(c, async () => {
      await jsonOnly(c, next)
    })
  })

  let document: Promise<unknown> | undefined
  app.get(
    openApiPath,
    doc({
      tag: "API",
      summary: "This OpenAPI 3.1 document",
      public: true,
      ok: { 200: { description: "The document" } },
    }),
    async (c) => {
      document ??= openApiDocument(app)
      return c.json(await document)
    },
  )

  const api = new Hono<AgentEnv>()
  for (const register of options.publicRoutes ?? []) register(api)
  api.use("*", bearerAuth())
  if (options.forwarding) api.use("*", options.forwarding)
  api.use("/vms/:id", ifMatch())
  api.use("/vms/:id/*", ifMatch())
  for (const [path, routes] of resources) api.route(path, routes())
  for (const register of options.authenticatedRoutes ?? []) register(api)
  app.route(apiBase, api)
  return app
}
