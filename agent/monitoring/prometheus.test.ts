import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { insertSamples } from "../../core/metrics/testing.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { runningVm } from "../storage/testing.ts"
import { useAgent } from "../testing/harness.ts"
import { makePrometheus, metricsListenerApp } from "./mount.ts"

/** Prometheus text format 0.0.4: comments (HELP, TYPE) or `name{label="value",…} number`; anything else is a fault. */
const parseExposition = (text: string) => {
  const series: Array<{ name: string; labels: Record<string, string>; value: number }> = []
  const types = new Map<string, string>()
  for (const line of text.split("\n")) {
    if (line === "") continue
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line)
    if (type?.[1] !== undefined && type[2] !== undefined) {
      types.set(type[1], type[2])
      continue
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line)
    assert.ok(sample, `not Prometheus text: ${line}`)
    const labels: Record<string, string> = {}
    for (const pair of (sample[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] as string] = pair[2] as string
    }
    series.push({ name: sample[1] as string, labels, value: Number(sample[4]) })
  }
  return { series, types }
}

const token = "metrics-scraper-secret-0123456789"

for (const backend of storeBackends.filter((b) => b.name === "postgres")) {
  describe(`Prometheus exposition on ${backend.name}`, { skip: backend.skip }, () => {
    const prometheus = makePrometheus({ token })
    const agent = useAgent(backend, { prometheus })

    it("M1 /metrics answers only the metrics token; API tokens and none get 401", async () => {
      assert.equal((await agent.call("GET", "/metrics", { as: null })).status, 401)
      assert.equal((await agent.call("GET", "/metrics", { as: "superadmin" })).status, 401)
      const ok = await agent.request("GET", "/metrics", { authorization: `Bearer ${token}` })
      assert.equal(ok.status, 200)
      assert.match(ok.headers.get("Content-Type") ?? "", /^text\/plain/)
    })

    it("M1 the exposition parses and carries request latency, tasks, VMs by state, host capacity, per-VM usage", async () => {
      const { vm } = await runningVm(agent)
      await insertSamplesNow(vm.id)
      assert.equal((await agent.call("GET", `/api/v1/vms/${vm.id}`)).status, 200)
      const response = await agent.request("GET", "/metrics", { authorization: `Bearer ${token}` })
      const { series, types } = parseExposition(await response.text())
      const find = (name: string, labels: Record<string, string>) =>
        series.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      assert.equal(types.get("hyperx_http_request_duration_seconds"), "histogram")
      const latency = find("hyperx_http_request_duration_seconds_count", {
        method: "GET",
        route: "/api/v1/vms/:id",
        status: "200",
      })
      assert.ok(latency && latency.value >= 1, "request latency by route pattern")
      assert.ok((find("hyperx_tasks", { operation: "vm.start", state: "succeeded" })?.value ?? 0) >= 1)
      assert.ok((find("hyperx_vms", { state: "running" })?.value ?? 0) >= 1)
      const host = agent.world.host.name
      assert.equal(find("hyperx_host_cpus", { host })?.value, agent.world.host.cpus)
      assert.ok((find("hyperx_host_allocated_cpus", { host })?.value ?? 0) >= vm.cpus)
      assert.equal(find("hyperx_vm_cpu_percent", { vm_id: vm.id })?.value, 42)
      assert.equal(find("hyperx_vm_memory_used_bytes", { vm_id: vm.id })?.value, 64 * 2 ** 20)
    })

    it("M1 the metrics listener serves /metrics and nothing else", async () => {
      const listener = metricsListenerApp(agent.runtime, makePrometheus())
      const ok = await listener.request("/metrics")
      assert.equal(ok.status, 200)
      parseExposition(await ok.text())
      assert.equal((await listener.request("/api/v1/vms")).status, 404)
    })

    const insertSamplesNow = (vmId: string) =>
      agent.run(insertSamples(vmId, new Date(Date.now() - 5_000).toISOString(), 30, [42]))
  })
}
