import { Effect, Layer, ManagedRuntime } from "effect"
import { createApp } from "../app.ts"
import type { AgentServices } from "../env.ts"
import { webSocketRoutes } from "../ws/index.ts"
import { openApiDocument } from "./document.ts"

/**
 * The OpenAPI document of the agent as `hyperx agent` serves it (the REST resources and the console-ticket route),
 * built without a store or a driver: describing the routes runs none of them. For the widgets' generated API types.
 */
export const agentOpenApiDocument = async (): Promise<unknown> => {
  const noServices = ManagedRuntime.make(
    Layer.effectContext<AgentServices, never, never>(Effect.die("the OpenAPI document needs no services")),
  )
  // Describing the routes builds no URL: the public address is never asked for.
  const routes = webSocketRoutes({ publicUrl: () => "http://127.0.0.1:8080" })
  const app = createApp({
    runtime: noServices,
    publicRoutes: routes.publicRoutes,
    authenticatedRoutes: routes.authenticatedRoutes,
  })
  try {
    return await openApiDocument(app)
  } finally {
    await noServices.dispose()
  }
}
