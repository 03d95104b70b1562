import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import { Store } from "../core/index.ts"
import type { FakeOperation } from "../plugins/fake/index.ts"
import { type Reply, useAgent } from "./testing/harness.ts"
import { backendOn, throwawayPostgresSkip, useThrowawayPostgres } from "./testing/throwaway-postgres.ts"

/** What an accepted operation answers: its task, or a create's tasks. */
type TaskReply = { readonly task?: { readonly id: string }; readonly tasks?: ReadonlyArray<{ readonly id: string }> }

/** The outage the issue measured: long enough for every pooled connection to break and every retry to fail. */
const outageMs = 15_000

describe("#14 H1 a 15-second database outage under operations in flight", { skip: throwawayPostgresSkip }, () => {
  const server = useThrowawayPostgres()
  const agent = useAgent(backendOn(server))

  const runningVm = async () => {
    const vm = await agent.seedVm()
    const started = await agent.call("POST", `/api/v1/vms/${vm.id}/start`)
    await agent.settle(started.body.task.id)
    return vm
  }
  /** Send an operation whose driver call hangs; resolves with its task id once the call is blocked in the driver. */
  const blocked = async (operation: FakeOperation, send: () => Promise<Reply<TaskReply>>) => {
    await agent.run(agent.fake.faults.hang(operation))
    const reply = await send()
    assert.equal(reply.status, 202, JSON.stringify(reply.body))
    await agent.run(agent.fake.faults.hanging(operation))
    const id = reply.body.task?.id ?? reply.body.tasks?.[0]?.id
    assert.ok(id !== undefined)
    return id
  }

  it("stop, start, create, snapshot and backup whose driver work ends during the outage: all recorded within seconds of its end, no restart", async () => {
    const toStop = await runningVm()
    const toStart = await agent.seedVm()
    const toSnapshot = await runningVm()
    const toBackUp = await runningVm()
    const [disk] = await agent.run(Store.use((s) => s.disks.list({ vmId: toBackUp.id })))
    const body = {
      imageId: agent.world.image.id,
      flavorId: agent.world.flavor.id,
      name: "made_in_outage",
      start: false,
    }
    const tasks = {
      stop: await blocked("shutdown", () => agent.call("POST", `/api/v1/vms/${toStop.id}/stop`)),
      start: await blocked("start", () => agent.call("POST", `/api/v1/vms/${toStart.id}/start`)),
      create: await blocked("volumes.create", () => agent.call("POST", "/api/v1/vms", { body })),
      snapshot: await blocked("snapshots.create", () => agent.call("POST", `/api/v1/vms/${toSnapshot.id}/snapshots`)),
      backup: await blocked("backups.full", () =>
        agent.call("POST", `/api/v1/vms/${toBackUp.id}/disks/${disk?.id}/backups`),
      ),
    }
    await server.halt()
    // The hypervisor finishes every operation while the database is away.
    await agent.run(agent.fake.faults.clear())
    await sleep(outageMs)
    await server.resume()

    const ended = Object.fromEntries(
      await Promise.all(Object.entries(tasks).map(async ([what, id]) => [what, (await agent.settle(id)).state])),
    )
    assert.deepEqual(ended, {
      stop: "succeeded",
      start: "succeeded",
      create: "succeeded",
      snapshot: "succeeded",
      backup: "succeeded",
    })
    const stateOf = async (id: string) => (await agent.call("GET", `/api/v1/vms/${id}`)).body.vm.state
    assert.equal(await stateOf(toStop.id), "stopped")
    assert.equal(await stateOf(toStart.id), "running")
    const snapshots = await agent.call("GET", `/api/v1/vms/${toSnapshot.id}/snapshots`)
    assert.deepEqual(
      snapshots.body.items.map((s: { state: string }) => s.state),
      ["ready"],
    )
    const backups = await agent.call("GET", `/api/v1/vms/${toBackUp.id}/disks/${disk?.id}/backups`)
    assert.deepEqual(
      backups.body.items.map((b: { state: string }) => b.state),
      ["ready"],
    )
  })
})
