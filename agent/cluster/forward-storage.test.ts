import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { usePair } from "./testing.ts"

const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : false

describe("routes outside /vms/{id} go to the host of what they name (#16: disks, backups, the recycle bin)", {
  skip,
}, () => {
  const pairOf = usePair(adminUrl, "hx-forward-storage-")

  it("#16 V1–V4, G3 through agent A: B's disk deleted, B's backup restored and deleted, B's deleted VM restored and purged, each by B", async () => {
    const pair = pairOf()
    const { api, originA, settled } = pair
    /** The answer of agent A and which agent answered it (B's id when forwarded, none when A's own). */
    const viaA = async (method: string, path: string, body?: unknown) => {
      const answer = await api(originA, method, path, body)
      return { ...answer, by: answer.response.headers.get("x-hyperx-answered-by") }
    }
    const done = async (answer: { status: number; body: { task: { id: string } } }) => {
      assert.equal(answer.status, 202, JSON.stringify(answer.body))
      return settled(answer.body.task.id)
    }
    const vmId = await pair.vmOn(pair.hostB, "storage_on_b")

    // A data disk of B's VM, backed up, then detached: its file and its backup's lie on host B.
    const created = await viaA("POST", `/vms/${vmId}/disks`, { name: "data", sizeGiB: 1 })
    assert.equal(await done(created), "succeeded")
    const disk = (await api(originA, "GET", `/vms/${vmId}/disks`)).body.items.find(
      (d: { name: string }) => d.name === "data",
    )
    assert.equal(disk.hostId, pair.hostB)
    assert.equal(await done(await viaA("POST", `/vms/${vmId}/disks/${disk.id}/backups`, {})), "succeeded")
    const backups = (await api(originA, "GET", `/vms/${vmId}/disks/${disk.id}/backups`)).body.items
    assert.equal(backups.length, 1)
    assert.equal(await done(await viaA("POST", `/vms/${vmId}/disks/${disk.id}/detach`, {})), "succeeded")

    // V4: the backup restored into a new disk and deleted, through A: B does both.
    const restored = await viaA("POST", `/backups/${backups[0].id}/restore`, { name: "restored" })
    assert.equal(restored.by, pair.hostB)
    assert.equal(await done(restored), "succeeded")
    const removed = await viaA("DELETE", `/backups/${backups[0].id}`, {})
    assert.equal(removed.by, pair.hostB)
    assert.equal(await done(removed), "succeeded")

    // V3: the unattached disk deleted through A: B deletes it (its file is B's).
    const deleted = await viaA("DELETE", `/disks/${disk.id}`, {})
    assert.equal(deleted.by, pair.hostB)
    assert.equal(await done(deleted), "succeeded")
    const left = (await api(originA, "GET", "/disks")).body.items.map((d: { id: string }) => d.id)
    assert.equal(left.includes(disk.id), false)

    // G3: B's VM deleted to the bin, restored, deleted again and purged, all through A: B does each.
    assert.equal(await done(await viaA("DELETE", `/vms/${vmId}`, {})), "succeeded")
    const back = await viaA("POST", `/recycle-bin/${vmId}/restore`)
    assert.equal(back.by, pair.hostB)
    assert.equal(back.status, 200, JSON.stringify(back.body))
    assert.equal((await api(originA, "GET", `/vms/${vmId}`)).body.vm.state, "stopped")
    assert.equal(await done(await viaA("DELETE", `/vms/${vmId}`, {})), "succeeded")
    const purged = await viaA("DELETE", `/recycle-bin/${vmId}`, {})
    assert.equal(purged.by, pair.hostB)
    assert.equal(await done(purged), "succeeded")
    assert.equal((await api(originA, "GET", `/vms/${vmId}`)).status, 404)

    // What lies on A itself is answered by A; lists and unknown ids too.
    const own = await pair.vmOn(pair.hostA, "storage_on_a")
    assert.equal(await done(await viaA("DELETE", `/vms/${own}`, {})), "succeeded")
    const ownBack = await viaA("POST", `/recycle-bin/${own}/restore`)
    assert.deepEqual([ownBack.status, ownBack.by], [200, null])
    assert.equal((await viaA("GET", "/disks")).by, null)
    assert.deepEqual(
      [(await viaA("DELETE", "/disks/no-such-disk", {})).status, (await viaA("GET", "/disks")).by],
      [404, null],
    )
  })
})
