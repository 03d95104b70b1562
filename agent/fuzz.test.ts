import assert from "node:assert/strict"
import type { AddressInfo } from "node:net"
import { after, before, describe, it } from "node:test"
import { serve } from "@hono/node-server"
import { Effect } from "effect"
import { Store } from "../core/index.ts"
import { storeBackends } from "../core/store/testing.ts"
import { type FuzzCase, fuzzCases } from "./testing/fuzz-cases.ts"
import { useAgent } from "./testing/harness.ts"
import { rawRequest } from "./testing/raw-http.ts"

const bodyLimitBytes = 16 * 1024

/** Every VM row (in and out of the recycle bin), disk, snapshot, backup and schedule, and the number of tasks. */
const snapshot = Store.use((store) =>
  Effect.gen(function* () {
    const live = yield* store.vms.list()
    const recycled = yield* store.vms.list({ recycled: true })
    const tasks = yield* store.tasks.list()
    const storage = yield* Effect.all([
      store.disks.list(),
      store.snapshots.list(),
      store.backups.list(),
      store.schedules.list(),
    ])
    return { vms: JSON.stringify([...live, ...recycled]), tasks: tasks.length, storage: JSON.stringify(storage) }
  }),
)

for (const backend of storeBackends) {
  describe(`fuzzing the API on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend, { bodyLimitBytes })
    let server: ReturnType<typeof serve> | undefined
    let port = 0
    before(async () => {
      await new Promise<void>((resolve) => {
        server = serve({ fetch: agent.app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
          port = info.port
          resolve()
        })
      })
    })
    after(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))
    /** Over a real socket, the path sent as written. */
    const send = (c: FuzzCase) =>
      rawRequest({
        base: `http://127.0.0.1:${port}`,
        method: c.method,
        path: c.path,
        headers: c.headers,
        body: c.body,
      })

    it("G1 1,400 malformed requests over a socket get only 4xx JSON errors, never a 5xx, and change nothing", async () => {
      const vm = await agent.seedVm()
      await agent.seedVm({ state: "running" })
      const [disk] = await agent.run(Store.use((s) => s.disks.list({ vmId: vm.id })))
      const before = await agent.run(snapshot)
      const cases = fuzzCases(
        {
          vmId: vm.id,
          diskId: disk?.id ?? "",
          flavorId: agent.world.flavor.id,
          imageId: agent.world.image.id,
          token: agent.tokens.owner,
          bodyLimitBytes,
        },
        1400,
      )
      const kinds = new Map<string, number>()
      for (const [index, c] of cases.entries()) {
        const response = await send(c)
        const label = `#${index} ${c.kind}: ${c.method} ${c.path.slice(0, 120)} ${String(c.body).slice(0, 120)}`
        assert.ok(response.status >= 400 && response.status < 500, `${label} → ${response.status} ${response.text}`)
        assert.match(response.contentType, /^application\/json/, label)
        const body = JSON.parse(response.text) as { error?: { code?: unknown; message?: unknown } }
        assert.equal(typeof body.error?.code, "string", label)
        assert.equal(typeof body.error?.message, "string", label)
        kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1)
      }
      assert.equal(kinds.size, 14, "every kind of defect was sent")
      assert.deepEqual(await agent.run(snapshot), before)
    })
  })
}
