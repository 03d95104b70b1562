/**
 * Snapshots through the API of the agent as `npm start` runs it, with a real QEMU guest: snapshot the running guest
 * with and without memory, follow the task on the event stream, list the snapshots with their size, stop, roll back
 * to the memory snapshot, start again, delete.
 */
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { qemuInstalled } from "../../plugins/qemu/driver/testing.ts"
import { jsonApi } from "../testing/json-api.ts"
import { useQemuAgent } from "../testing/qemu-agent.ts"
import { followTasks } from "../testing/task-follow.ts"
import { type Client, connect, eventsOf } from "../ws/testing.ts"

// biome-ignore lint/suspicious/noExplicitAny: the test reads JSON replies as any API client would
type Json = any

describe("snapshots through the API with QEMU", { skip: qemuInstalled() ? false : "QEMU is not installed" }, () => {
  const { live, log } = useQemuAgent("hx-snap-api-")

  const http = jsonApi(
    () => live().origin,
    () => live().token,
  )
  const { act, ended } = followTasks(http)
  const reached = (client: Client, vmId: string, state: string) =>
    client.until(
      `${vmId} ${state}`,
      () => eventsOf(client).some((e) => e._tag === "vm-state" && e.vmId === vmId && e.to === state),
      180_000,
    )

  it("P1 P4 P5 G4 a running guest's snapshot: task on the stream, listed with its size; rollback when stopped; delete", async () => {
    assert.match(live().token ?? "", /^hx_/, log.join("\n"))
    const events = await connect(`${live().origin.replace("http", "ws")}/api/v1/events`, {
      protocols: ["hyperx.v1", `hyperx.bearer.${live().token}`],
    })
    const created = await http("POST", "/api/v1/vms", { imageId: "tiny-linux", flavorId: "tiny", name: "snap_vm" })
    assert.equal(created.status, 202, JSON.stringify(created.body))
    const vmId: string = created.body.vmIds[0]
    await reached(events, vmId, "running")
    // The VM shows "running" a round trip before its create task ends and frees its lock: act once the task has.
    assert.equal((await ended(events, created.body.tasks[0].id)).state, "succeeded")

    const disk = await act(events, "POST", `/api/v1/vms/${vmId}/snapshots`, { name: "disk only" })
    const snapshot = await act(events, "POST", `/api/v1/vms/${vmId}/snapshots`, {
      name: "while running",
      withMemory: true,
    })
    assert.deepEqual([snapshot.operation, snapshot.vmId], ["snapshot.create", vmId])
    const streamed = eventsOf(events).filter((e) => e._tag === "task" && e.task.id === snapshot.id)
    assert.deepEqual([streamed.at(0)?.task.state, streamed.at(-1)?.task.state], ["running", "succeeded"])
    const [listed, diskOnly] = (await http("GET", `/api/v1/vms/${vmId}/snapshots`)).body.items
    assert.deepEqual([listed.id, listed.name, listed.state], [snapshot.targetId, "while running", "ready"])
    assert.ok(listed.sizeBytes > 0, "QEMU reports the saved memory's size")
    // qcow2 accounts no disk data to an internal snapshot: a disk-only one reports 0 bytes.
    assert.deepEqual([diskOnly.id, diskOnly.withMemory, diskOnly.state], [disk.targetId, false, "ready"])

    await act(events, "POST", `/api/v1/vms/${vmId}/stop`)
    const rollback = await act(events, "POST", `/api/v1/vms/${vmId}/snapshots/${listed.id}/rollback`)
    assert.equal(rollback.targetId, listed.id)
    await act(events, "POST", `/api/v1/vms/${vmId}/start`)
    assert.equal((await http("GET", `/api/v1/vms/${vmId}`)).body.runtime.state, "running")

    await act(events, "DELETE", `/api/v1/vms/${vmId}/snapshots/${listed.id}`)
    const left = (await http("GET", `/api/v1/vms/${vmId}/snapshots`)).body.items
    assert.deepEqual(
      left.map((s: Json) => s.id),
      [diskOnly.id],
    )
    await act(events, "POST", `/api/v1/vms/${vmId}/stop`, { force: true })
    events.close()
  })
})
