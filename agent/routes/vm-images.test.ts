/**
 * K3 and K2 through the API (fake driver, real PostgreSQL): an image from a stopped VM is the department's and makes
 * VMs; a reinstall takes a running VM to another image, its snapshots gone, its data disk kept; each refusal names its
 * rule and changes nothing. The guests' own view is proven on QEMU (core/operations/images.qemu.test.ts).
 */
import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { type Image, Store } from "../../core/index.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { accepted, recordsOf, runningVm, salesVm, stop } from "../storage/testing.ts"
import { useAgent } from "../testing/harness.ts"

// biome-ignore lint/suspicious/noExplicitAny: tests read replies loosely, as an API client would
type Json = any

const refusal = (reply: { status: number; body: Json }) => `${reply.status} ${reply.body?.error?.rule}`

for (const backend of storeBackends) {
  describe(`images from VMs and reinstall through the API on ${backend.name} (K3, K2)`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    const image = (overrides: Partial<Image>) =>
      agent.run(
        Store.use((s) =>
          s.images.insert({
            ...agent.world.image,
            id: randomUUID(),
            name: `img-${randomUUID().slice(0, 6)}`,
            ...overrides,
          }),
        ),
      )
    const vmOf = (id: string) => agent.run(Store.use((s) => s.vms.get(id)))

    it("K3 stopped only; the image is the department's, and a VM created from it runs", async () => {
      const { vm } = await runningVm(agent)
      const running = await agent.call("POST", `/api/v1/vms/${vm.id}/create-image`, { body: { name: "golden" } })
      assert.equal(refusal(running), "409 stopped-only")
      await stop(agent, vm.id)
      const detail = (await agent.call("GET", `/api/v1/vms/${vm.id}`)).body
      assert.deepEqual(
        detail.allowedActions.find((a: Json) => a.action === "create-image"),
        { action: "create-image", operation: "vm.create-image", allowed: true },
      )
      const empty = await agent.call("POST", `/api/v1/vms/${vm.id}/create-image`, { body: { name: "" } })
      assert.equal(empty.status, 400)
      const task = await accepted(agent, "POST", `/api/v1/vms/${vm.id}/create-image`, { body: { name: "golden" } })
      assert.equal(task.state, "succeeded", JSON.stringify(task.error))
      const imageId = (task.params as Json).imageId
      const ours = (await agent.call("GET", "/api/v1/images")).body.items.map((i: Json) => i.id)
      assert.ok(ours.includes(imageId), "the department sees its image")
      const theirs = (await agent.call("GET", "/api/v1/images", { as: "salesUser" })).body.items.map((i: Json) => i.id)
      assert.ok(!theirs.includes(imageId), "another department does not")
      const created = await agent.call("POST", "/api/v1/vms", {
        body: { imageId, flavorId: agent.world.flavor.id, name: "from_golden" },
      })
      assert.equal(created.status, 202, JSON.stringify(created.body))
      assert.equal((await agent.settle(created.body.tasks[0].id)).state, "succeeded")
      assert.equal((await vmOf(created.body.vmIds[0])).imageId, imageId)
    })

    it("K2 running only; the image must suit the VM; a reinstall removes the snapshots and keeps the data disks", async () => {
      const { vm } = await runningVm(agent)
      const other = await image({ name: "other-linux" })
      const data = await agent.call("POST", `/api/v1/vms/${vm.id}/disks`, { body: { name: "kept", sizeGiB: 1 } })
      assert.equal(data.status, 202, JSON.stringify(data.body))
      await agent.settle(data.body.task.id)
      await accepted(agent, "POST", `/api/v1/vms/${vm.id}/snapshots`, { body: { name: "before" } })
      const reinstall = (imageId: string) => agent.call("POST", `/api/v1/vms/${vm.id}/reinstall`, { body: { imageId } })

      const iso = await image({ format: "iso" })
      const retired = await image({ retiredAt: new Date() })
      const sales = await salesVm(agent)
      assert.equal(
        (await accepted(agent, "POST", `/api/v1/vms/${sales.vm.id}/stop`, { as: "salesUser" })).state,
        "succeeded",
      )
      const salesImage = await accepted(agent, "POST", `/api/v1/vms/${sales.vm.id}/create-image`, {
        as: "salesUser",
        body: { name: "sales-golden" },
      })
      const before = await recordsOf(agent, vm.id)
      assert.equal(refusal(await reinstall(iso.id)), "422 image-installable")
      assert.equal(refusal(await reinstall(retired.id)), "409 image-retired")
      assert.equal(refusal(await reinstall((salesImage.params as Json).imageId)), "403 image-available")
      assert.equal((await reinstall("no-such-image")).status, 404)
      assert.deepEqual(await recordsOf(agent, vm.id), before, "refusals change nothing")

      const task = await accepted(agent, "POST", `/api/v1/vms/${vm.id}/reinstall`, { body: { imageId: other.id } })
      assert.equal(task.state, "succeeded", JSON.stringify(task.error))
      assert.deepEqual(task.result, { imageId: other.id, snapshotsRemoved: 1 })
      const after = await vmOf(vm.id)
      assert.deepEqual([after.state, after.imageId], ["running", other.id])
      const disks = await agent.run(Store.use((s) => s.disks.list({ vmId: vm.id })))
      assert.deepEqual(
        disks.map((d) => d.name).filter((n) => n === "kept"),
        ["kept"],
        "the data disk stays",
      )
      const system = disks.find((d) => d.role === "system")
      assert.equal(system?.backingPath, other.location, "the system disk is made over the new image")
      assert.equal((await agent.run(Store.use((s) => s.snapshots.list({ vmId: vm.id })))).length, 0)

      await stop(agent, vm.id)
      assert.equal(refusal(await reinstall(other.id)), "409 running-only")
    })

    it("G2 K2 an image that needs a larger system disk asks the disk quota: 6 at once into room for 2, the rest quota-disk", async () => {
      const departmentId = agent.users.owner.departmentId
      const vms = await Promise.all(Array.from({ length: 6 }, () => runningVm(agent)))
      const systemGiB = vms[0]?.disk.sizeGiB ?? 0
      const larger = await image({ name: "larger-linux", minDiskGiB: systemGiB + 10 })
      const before = await agent.run(Store.use((s) => s.quotas.usage(departmentId)))
      const limits = { departmentId, cpus: null, memoryMiB: null, vmCount: null }
      await agent.run(Store.use((s) => s.quotas.set({ ...limits, diskGiB: before.diskGiB + 2 * 10 })))
      const records = await Promise.all(vms.map(({ vm }) => recordsOf(agent, vm.id)))
      const replies = await Promise.all(
        vms.map(({ vm }) => agent.call("POST", `/api/v1/vms/${vm.id}/reinstall`, { body: { imageId: larger.id } })),
      )
      const outcomes = replies.map(refusal).sort()
      assert.deepEqual(
        outcomes,
        ["202 undefined", "202 undefined", ...Array(4).fill("409 quota-disk")],
        outcomes.join(),
      )
      for (const reply of replies.filter((r) => r.status === 202)) {
        assert.equal((await agent.settle(reply.body.task.id)).state, "succeeded")
      }
      const after = await agent.run(Store.use((s) => s.quotas.usage(departmentId)))
      assert.equal(after.diskGiB, before.diskGiB + 2 * 10, "the department holds exactly its quota")
      for (const [index, reply] of replies.entries()) {
        if (reply.status !== 409) continue
        const vm = vms[index]?.vm
        assert.deepEqual(await recordsOf(agent, vm?.id ?? ""), records[index], "a refusal changes nothing")
        assert.equal((await vmOf(vm?.id ?? "")).state, "running")
      }
      await agent.run(Store.use((s) => s.quotas.set({ ...limits, diskGiB: null })))
    })
  })
}
