import type { ApiClient } from "./client.ts"

/** "GET /vms/{}/snapshots": a route with its parameters' names erased. */
const routeKey = (method: string, path: string) =>
  `${method.toUpperCase()} ${path.replace(/\{[^}]*\}/g, "{}").replace(/:[A-Za-z_]\w*/g, "{}")}`

const documents = new Map<string, Promise<ReadonlySet<string>>>()

/**
 * The routes the agent offers, read once per agent from its OpenAPI document, so a view shows what this agent can do
 * (a tab for snapshots appears once the agent has the route) instead of guessing from a version number.
 */
export const offeredRoutes = (client: ApiClient): Promise<ReadonlySet<string>> => {
  let routes = documents.get(client.root)
  if (routes === undefined) {
    routes = fetch(`${client.root}/openapi.json`)
      .then((response) => (response.ok ? response.json() : { paths: {} }))
      .then((document: { paths?: Record<string, Record<string, unknown>> }) => {
        const keys = new Set<string>()
        for (const [path, operations] of Object.entries(document.paths ?? {})) {
          const relative = path.replace(/^.*?\/api\/v1/, "")
          for (const method of Object.keys(operations)) keys.add(routeKey(method, relative))
        }
        return keys
      })
      .catch(() => {
        documents.delete(client.root)
        return new Set<string>()
      })
    documents.set(client.root, routes)
  }
  return routes
}

export const offers = (routes: ReadonlySet<string>, method: string, path: string): boolean =>
  routes.has(routeKey(method, path))
