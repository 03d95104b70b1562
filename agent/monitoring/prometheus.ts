import { createHash, timingSafeEqual } from "node:crypto"
import { Duration, Effect } from "effect"
import type { Context, MiddlewareHandler } from "hono"
import { Gauge, Histogram, Registry } from "prom-client"
import { defaultMetricsPolicy } from "../../core/metrics/index.ts"
import { now } from "../../core/operations/clock.ts"
import { Store } from "../../core/store/ports.ts"
import type { AgentEnv, AgentRuntime } from "../env.ts"

/** Where Prometheus scrapes: on the API's port with a bearer token, or on a listener of its own (see README). */
export const prometheusPath = "/metrics"

/** The figures, read from the store at each scrape: one grouped query each, and each VM's newest sample. */
const readFigures = Effect.gen(function* () {
  const store = yield* Store
  const at = yield* now
  // A sample older than two intervals belongs to a VM that stopped or a collector that is away: not current.
  const since = new Date(at.getTime() - 2 * Duration.toMillis(defaultMetricsPolicy.interval))
  return yield* Effect.all(
    {
      tasks: store.figures.tasks(),
      vms: store.figures.vms(),
      hosts: store.figures.hosts(),
      samples: store.metrics.latest(since),
    },
    { concurrency: "unbounded" },
  )
})

/**
 * The agent's Prometheus exposition (prom-client, one Registry per app, nothing global): request latency from a
 * middleware; tasks by operation and state, VMs by state, host capacity and allocation, and per-VM usage read
 * from the store when scraped, so every agent of a cluster reports the same platform figures.
 */
export const makePrometheus = (options: { readonly token?: string } = {}) => {
  const registry = new Registry()
  const registers = [registry]
  const requestSeconds = new Histogram({
    name: "hyperx_http_request_duration_seconds",
    help: "API request latency by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  })
  const gauge = <L extends string>(name: string, help: string, labelNames: ReadonlyArray<L>) =>
    new Gauge({ name, help, labelNames, registers })
  const tasks = gauge("hyperx_tasks", "Tasks recorded, by operation and state (outcome)", ["operation", "state"])
  const vms = gauge("hyperx_vms", "VMs outside the recycle bin, by state", ["state"])
  const hostCpus = gauge("hyperx_host_cpus", "A host's CPUs", ["host"])
  const hostMemory = gauge("hyperx_host_memory_bytes", "A host's memory", ["host"])
  const hostAllocatedCpus = gauge("hyperx_host_allocated_cpus", "vCPUs given to the VMs placed on a host", ["host"])
  const hostAllocatedMemory = gauge("hyperx_host_allocated_memory_bytes", "Memory given to a host's VMs", ["host"])
  const hostVms = gauge("hyperx_host_vms", "VMs placed on a host", ["host"])
  const vmLabels = ["vm_id"] as const
  const vmCpu = gauge("hyperx_vm_cpu_percent", "A VM's CPU use, % of its vCPUs", vmLabels)
  const vmMemory = gauge("hyperx_vm_memory_used_bytes", "A VM's memory in use", vmLabels)
  const vmDiskRead = gauge("hyperx_vm_disk_read_bytes_per_second", "A VM's disk reads", vmLabels)
  const vmDiskWrite = gauge("hyperx_vm_disk_write_bytes_per_second", "A VM's disk writes", vmLabels)
  const vmNetRx = gauge("hyperx_vm_network_receive_bytes_per_second", "A VM's network receive", vmLabels)
  const vmNetTx = gauge("hyperx_vm_network_transmit_bytes_per_second", "A VM's network transmit", vmLabels)
  const vmDiskUsed = gauge("hyperx_vm_filesystem_used_percent", "A VM's file systems used (guest agent)", vmLabels)
  const perVm = [
    [vmCpu, "cpuPercent"],
    [vmMemory, "memoryUsedBytes"],
    [vmDiskRead, "diskReadBps"],
    [vmDiskWrite, "diskWriteBps"],
    [vmNetRx, "netRxBps"],
    [vmNetTx, "netTxBps"],
    [vmDiskUsed, "diskUsedPercent"],
  ] as const
  const MiB = 1024 * 1024

  /** Measures every request; the route is Hono's matched pattern (`/api/v1/vms/:id`), never the raw path. */
  const observe: MiddlewareHandler<AgentEnv> = async (c, next) => {
    const end = requestSeconds.startTimer()
    try {
      await next()
    } finally {
      end({ method: c.req.method, route: c.req.routePath, status: String(c.res.status) })
    }
  }

  /** The exposition text, with the store's figures read now. */
  const render = async (runtime: AgentRuntime): Promise<string> => {
    const figures = await runtime.runPromise(readFigures)
    for (const g of registry.getMetricsAsArray()) if (g instanceof Gauge) g.reset()
    for (const t of figures.tasks) tasks.set({ operation: t.operation, state: t.state }, t.count)
    for (const v of figures.vms) vms.set({ state: v.state }, v.count)
    for (const h of figures.hosts) {
      hostCpus.set({ host: h.name }, h.cpus)
      hostMemory.set({ host: h.name }, h.memoryMiB * MiB)
      hostAllocatedCpus.set({ host: h.name }, h.allocatedCpus)
      hostAllocatedMemory.set({ host: h.name }, h.allocatedMemoryMiB * MiB)
      hostVms.set({ host: h.name }, h.vms)
    }
    for (const sample of figures.samples) {
      for (const [metric, figure] of perVm) {
        const value = sample[figure]
        if (value !== null) metric.set({ vm_id: sample.vmId }, value)
      }
    }
    return registry.metrics()
  }

  const expected = options.token === undefined ? undefined : createHash("sha256").update(options.token).digest()
  /** With a token: only a request bearing it (compared in constant time). Without: anyone who reaches the port. */
  const allowed = (c: Context<AgentEnv>) => {
    if (expected === undefined) return true
    const header = c.req.header("Authorization") ?? ""
    const given = createHash("sha256")
      .update(header.replace(/^Bearer\s+/i, ""))
      .digest()
    return header.toLowerCase().startsWith("bearer ") && timingSafeEqual(given, expected)
  }

  const handler = async (c: Context<AgentEnv>) => {
    if (!allowed(c)) {
      return c.json({ error: { code: "unauthorized", message: "The metrics token is missing or wrong" } }, 401)
    }
    return c.body(await render(c.var.runtime), 200, { "Content-Type": registry.contentType })
  }

  return { registry, observe, render, handler, guarded: expected !== undefined }
}

export type Prometheus = ReturnType<typeof makePrometheus>
