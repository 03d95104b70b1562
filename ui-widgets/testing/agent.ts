/**
 * The agent the widget tests talk to: the real API, events and console WebSockets over a real socket, on a real PostgreSQL
 * server (the store tests' one) and the fake driver (fast and deterministic), with the widgets' routes mounted and freshly built, and test pages that
 * load the bundle the way a portal does.
 */
import { randomUUID } from "node:crypto"
import type { AddressInfo } from "node:net"
import { after, before } from "node:test"
import { serve, type WebSocketServerLike } from "@hono/node-server"
import type { WebSocketServer } from "ws"
import { type AgentHarness, useAgent, type Who } from "../../agent/testing/harness.ts"
import { closeWebSockets, webSocketRoutes } from "../../agent/ws/index.ts"
import { webSocketServer } from "../../agent/ws/protocols.ts"
import type { HostDeviceSource } from "../../core/devices/source.ts"
import { storeBackend } from "../../core/store/testing.ts"
import { buildWidgets } from "../build.ts"
import { widgetRoutes } from "../serve.ts"

export interface WidgetAgentOptions {
  /** Portal origins allowed to call the API from a browser (`*`: any). */
  readonly corsOrigins?: ReadonlyArray<string>
  /** The host's devices (a fake sysfs tree's: makeHostDeviceSource(tree.root)), for the device widgets (X1–X4). */
  readonly devices?: HostDeviceSource["Service"]
}

export interface WidgetAgent {
  readonly agent: AgentHarness
  /** http://127.0.0.1:<port> */
  readonly base: () => string
  /** A page on the agent's origin: the bundle's one script tag, then `body`. */
  readonly page: (
    body: string,
    options?: { readonly lang?: string; readonly scripts?: ReadonlyArray<string> },
  ) => string
  /** Create and start VMs through the API as `who`; resolves once each is running. */
  readonly createVms: (names: ReadonlyArray<string>, who?: Who) => Promise<ReadonlyArray<string>>
  /** Stop a VM through the API and wait for it. */
  readonly stopVm: (vmId: string, who?: Who) => Promise<void>
}

export const useWidgetAgent = (options: WidgetAgentOptions = {}): WidgetAgent => {
  let base = ""
  const routes = webSocketRoutes({ publicUrl: () => base })
  const agent = useAgent(storeBackend, {
    publicRoutes: routes.publicRoutes,
    authenticatedRoutes: routes.authenticatedRoutes,
    ...(options.corsOrigins === undefined ? {} : { cors: { origins: options.corsOrigins } }),
    ...(options.devices === undefined ? {} : { devices: options.devices }),
  })
  const pages = new Map<string, string>()
  let server: ReturnType<typeof serve> | undefined
  let sockets: WebSocketServer | undefined
  before(async () => {
    await buildWidgets()
    widgetRoutes(agent.app)
    agent.app.get("/__test/:id", (c) => c.html(pages.get(c.req.param("id")) ?? "missing page", 200))
    sockets = webSocketServer()
    // node-server hands upgrades to the app's WebSocket routes through this server (see agent/start/server.ts).
    const websocket = { server: sockets as unknown as WebSocketServerLike }
    await new Promise<void>((resolve) => {
      server = serve({ fetch: agent.app.fetch, port: 0, hostname: "127.0.0.1", websocket }, (info: AddressInfo) => {
        base = `http://127.0.0.1:${info.port}`
        resolve()
      })
    })
  })
  after(async () => {
    if (sockets) await closeWebSockets(sockets, 200)
    await new Promise<void>((resolve) => {
      if (server === undefined) return resolve()
      server.close(() => resolve())
      // Chromium may still hold a connection (its pages close after this hook): close() alone would wait for it.
      if ("closeAllConnections" in server) server.closeAllConnections()
    })
  })
  const createVms: WidgetAgent["createVms"] = async (names, who = "owner") => {
    const ids: Array<string> = []
    for (const name of names) {
      const created = await agent.call("POST", "/api/v1/vms", {
        as: who,
        body: { imageId: agent.world.image.id, flavorId: agent.world.flavor.id, name },
      })
      if (created.status !== 202) throw new Error(`create ${name}: ${created.status} ${JSON.stringify(created.body)}`)
      const task = await agent.settle(created.body.tasks[0].id)
      if (task.state !== "succeeded") throw new Error(`create ${name}: ${JSON.stringify(task.error)}`)
      ids.push(created.body.vmIds[0])
    }
    return ids
  }
  return {
    agent,
    base: () => base,
    page: (body, pageOptions = {}) => {
      const id = randomUUID()
      const scripts = pageOptions.scripts ?? ["/widgets/hyperx-widgets.js"]
      pages.set(
        id,
        `<!doctype html><html lang="${pageOptions.lang ?? "en"}"><head><meta charset="utf-8"><title>widget test</title>
${scripts.map((src) => `<script type="module" src="${src}"></script>`).join("\n")}
</head><body>${body}</body></html>`,
      )
      return `${base}/__test/${id}`
    },
    createVms,
    stopVm: async (vmId, who = "owner") => {
      const stop = await agent.call("POST", `/api/v1/vms/${vmId}/stop`, { as: who, body: { force: true } })
      if (stop.status !== 202) throw new Error(`stop: ${stop.status} ${JSON.stringify(stop.body)}`)
      await agent.settle(stop.body.task.id)
    },
  }
}
