import { type ServerType, serve } from "@hono/node-server"
import { Hono } from "hono"
import type { AgentEnv, AgentRuntime } from "../env.ts"
import { provideRuntime } from "../middleware/runtime.ts"
import { doc } from "../openapi/describe.ts"
import { type Prometheus, prometheusPath } from "./prometheus.ts"

export type { Prometheus } from "./prometheus.ts"
export { makePrometheus } from "./prometheus.ts"

const describeMetrics = (guarded: boolean) =>
  doc({
    tag: "Monitoring",
    summary: "Prometheus exposition: request latency, tasks, VMs by state, host capacity, per-VM usage (M1)",
    description: guarded
      ? "Needs `Authorization: Bearer <HYPERX_METRICS_TOKEN>` (not an API token); 401 otherwise."
      : "Served only on the metrics listener (HYPERX_METRICS_ADDRESS), which the operator binds to a private address.",
    public: true,
    ok: { 200: { description: "Prometheus text format 0.0.4" } },
  })

/** On the API's app: every request measured; `/metrics` served there only when a token guards it. */
export const mountPrometheus = (app: Hono<AgentEnv>, prometheus: Prometheus) => {
  app.use("*", prometheus.observe)
  if (prometheus.guarded) app.get(prometheusPath, describeMetrics(true), prometheus.handler)
}

/** The app of the metrics listener: `/metrics` only, for a scraper on an address the operator chose. */
export const metricsListenerApp = (runtime: AgentRuntime, prometheus: Prometheus) =>
  new Hono<AgentEnv>().use("*", provideRuntime(runtime)).get(prometheusPath, describeMetrics(false), prometheus.handler)

/** The metrics listener on the operator's address, if one is set; `close` ends it (with the agent). */
export const listenForMetrics = async (
  runtime: AgentRuntime,
  prometheus: Prometheus,
  address: { readonly host: string; readonly port: number } | undefined,
): Promise<{ readonly close: () => Promise<void> }> => {
  if (address === undefined) return { close: async () => undefined }
  const app = metricsListenerApp(runtime, prometheus)
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: address.host, port: address.port }, () => resolve(s))
    s.once("error", reject)
  })
  return { close: () => new Promise((resolve) => server.close(() => resolve())) }
}
