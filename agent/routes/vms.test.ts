import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { Store } from "../../core/index.ts"
import { sampleRows } from "../../core/store/testing/sample-rows.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"

for (const backend of storeBackends) {
  describe(`VM create, detail, patch and delete on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    const choice = () => ({ imageId: agent.world.image.id, flavorId: agent.world.flavor.id })
    const vmTasks = (vmId: string) => agent.run(Store.use((s) => s.tasks.list({ vmId })))

    it("C1 C5 create one VM: 202 with its task; it provisions, starts, and has HA on by default", async () => {
      const created = await agent.call("POST", "/api/v1/vms", { body: { ...choice(), name: "web_api_1" } })
      assert.equal(created.status, 202)
      assert.equal(created.body.vmIds.length, 1)
      assert.equal(created.body.tasks[0].operation, "vm.create")
      assert.equal((await agent.settle(created.body.tasks[0].id)).state, "succeeded")
      const detail = await agent.call("GET", `/api/v1/vms/${created.body.vmIds[0]}`)
      assert.equal(detail.body.vm.displayName, "web_api_1")
      assert.equal(detail.body.runtime.state, "running")
      assert.equal(detail.body.vm.haEnabled, true)
    })

    it("C1 C8 create several: names come from the tags, one task per VM", async () => {
      const tags = { "app-group": "shop", "app-role": "db", "app-type": "pg" }
      const created = await agent.call("POST", "/api/v1/vms", { body: { ...choice(), count: 2, tags, start: false } })
      assert.equal(created.status, 202)
      assert.equal(created.body.tasks.length, 2)
      for (const task of created.body.tasks) assert.equal((await agent.settle(task.id)).state, "succeeded")
      const page = await agent.call("GET", "/api/v1/vms?tag=app-group:shop&sort=displayName&columns=displayName,state")
      assert.deepEqual(
        page.body.items.map((row: { displayName: string }) => row.displayName),
        ["shop-db01pg-07", "shop-db02pg-07"],
      )
      assert.ok(page.body.items.every((row: { state: string }) => row.state === "stopped"))
    })

    it("C1 refusals name their rule: batch-count and name-format are 422, a foreign owner 404, in Chinese on request", async () => {
      const tooMany = await agent.call("POST", "/api/v1/vms", { body: { ...choice(), count: 11 }, lang: "zh" })
      assert.equal(tooMany.status, 422)
      assert.deepEqual(tooMany.body.error, {
        code: "unprocessable",
        rule: "batch-count",
        message: "批量创建虚拟机的数量应为1-10台",
      })
      const badName = await agent.call("POST", "/api/v1/vms", { body: { ...choice(), name: "x" } })
      assert.equal(badName.status, 422)
      assert.equal(badName.body.error.rule, "name-format")
      const foreign = await agent.call("POST", "/api/v1/vms", {
        body: { ...choice(), name: "gift_vm", ownerId: agent.users.salesUser.id },
      })
      assert.equal(foreign.status, 404, "another department's user is as unknown as a missing one (G1)")
      assert.equal(foreign.body.error.code, "not-found")
      const noFlavor = await agent.call("POST", "/api/v1/vms", { body: { ...choice(), flavorId: "missing" } })
      assert.equal(noFlavor.status, 404)
      assert.equal(noFlavor.body.error.message, "Flavor missing was not found")
      const noImage = await agent.call("POST", "/api/v1/vms", { body: { flavorId: agent.world.flavor.id } })
      assert.equal(noImage.status, 400)
      assert.match(noImage.body.error.message, /body\.imageId: Missing key/)
    })

    it("C7 the quote shows the department's remaining quota and the price per VM and in all", async () => {
      const sales = agent.world.departments[1]
      await agent.run(
        Store.use((s) =>
          s.quotas.set({ departmentId: sales.id, cpus: 100, memoryMiB: null, diskGiB: 500, vmCount: 20 }),
        ),
      )
      const usage = await agent.run(Store.use((s) => s.quotas.usage(sales.id)))
      const quote = await agent.call("POST", "/api/v1/vms/quote", {
        as: "outsider",
        body: { ...choice(), count: 3, dataDisks: [{ sizeGiB: 10 }] },
      })
      assert.equal(quote.status, 200)
      assert.deepEqual(quote.body.remaining, {
        cpus: 100 - usage.cpus,
        memoryMiB: null,
        diskGiB: 500 - usage.diskGiB,
        vmCount: 20 - usage.vmCount,
      })
      assert.equal(quote.body.perVmPerDay, agent.world.flavor.perDay + agent.world.image.perDay)
      assert.equal(quote.body.totalPerDay, quote.body.perVmPerDay * 3)
      const outside = await agent.call("POST", "/api/v1/vms/quote", {
        body: { ...choice(), ownerId: agent.users.salesUser.id },
      })
      assert.equal(outside.status, 404)
      assert.equal(outside.body.error.code, "not-found")
    })

    it("D1–D4 detail: owner and organisation, runtime, config, bound resources, and allowedActions from the rules", async () => {
      const vm = await agent.seedVm({ displayName: "detail_vm" })
      await agent.addNic(vm.id, "10.9.8.7")
      const detail = await agent.call("GET", `/api/v1/vms/${vm.id}`, { lang: "zh" })
      assert.equal(detail.status, 200)
      const body = detail.body
      assert.equal(body.owner.name, "owner")
      assert.equal(body.company.name, "Acme")
      assert.equal(body.department.name, "ops")
      assert.deepEqual(
        [body.runtime.state, body.runtime.stateLabel, body.runtime.zone, body.runtime.host.name],
        ["stopped", "关闭", "zone-a", "host-1"],
      )
      assert.deepEqual([body.config.cpus, body.config.memoryMiB, body.config.flavor.name], [1, 128, "tiny"])
      assert.equal(body.resources.disks.length, 1)
      assert.equal(body.resources.nics[0].primaryIp, "10.9.8.7")
      assert.ok(!("passwordCipher" in body.vm))
      const action = (name: string) => body.allowedActions.find((a: { action: string }) => a.action === name)
      assert.deepEqual(action("start"), { action: "start", operation: "vm.start", allowed: true })
      assert.deepEqual(action("stop"), {
        action: "stop",
        operation: "vm.stop",
        allowed: false,
        rule: "lifecycle-state",
        kind: "conflict",
        message: "虚拟机处于“关闭”状态，不能关机",
      })
      assert.equal(action("console").rule, "running-only")
      assert.equal(action("restore").rule, "superadmin-only", "the role first, as the core checks it")
      assert.equal(action("deletion-protection").rule, "superadmin-only")
      assert.equal(action("show-password").allowed, true)
      const asRoot = await agent.call("GET", `/api/v1/vms/${vm.id}`, { as: "superadmin" })
      const rootAction = (name: string) => asRoot.body.allowedActions.find((a: { action: string }) => a.action === name)
      assert.equal(rootAction("deletion-protection").allowed, true)
      assert.equal(rootAction("restore").rule, "recycled-only")
    })

    it("F9 D4 P4 X2 X3 X4 the detail offers an action on an item only while the VM has one", async () => {
      const vm = await agent.seedVm({ displayName: "bare_vm" })
      const verdicts = async () => {
        const detail = await agent.call("GET", `/api/v1/vms/${vm.id}`)
        assert.equal(detail.status, 200)
        const all: ReadonlyArray<{ action: string; allowed: boolean; rule?: string }> = detail.body.allowedActions
        const named = ["snapshot-rollback", "detach-usb", "detach-gpu", "detach-iso"]
        return named.map((name) => {
          const entry = all.find((a) => a.action === name)
          return entry?.allowed ? "allowed" : entry?.rule
        })
      }
      assert.deepEqual(await verdicts(), ["snapshot-exists", "usb-attached", "gpu-attached", "iso-attached"])
      await agent.run(
        Store.use((store) =>
          Effect.all([
            store.snapshots.insert(sampleRows.snapshot({ vmId: vm.id, state: "ready" })),
            store.hostDevices.insert(sampleRows.hostDevice({ hostId: agent.world.host.id, vmId: vm.id, kind: "usb" })),
            store.hostDevices.insert(sampleRows.hostDevice({ hostId: agent.world.host.id, vmId: vm.id, kind: "gpu" })),
          ]),
        ),
      )
      assert.deepEqual(await verdicts(), ["allowed", "allowed", "allowed", "iso-attached"])
    })

    it("R2 R4 R5 R12 a patch is one operation: one task (vm.edit) and one write of every field", async () => {
      const vm = await agent.seedVm()
      const reclaimAt = "2099-01-31T00:00:00Z"
      const patched = await agent.call("PATCH", `/api/v1/vms/${vm.id}`, {
        body: { haEnabled: false, reclaimAt, remarks: "line one\nline two", displayName: "renamed_vm" },
      })
      assert.equal(patched.status, 200)
      assert.deepEqual(
        patched.body.tasks.map((t: { operation: string; state: string }) => `${t.operation}:${t.state}`),
        ["vm.edit:succeeded"],
      )
      assert.equal(patched.body.vm.version, vm.version + 1, "one write")
      assert.equal(patched.body.vm.displayName, "renamed_vm")
      assert.equal(patched.body.vm.remarks, "line one\nline two")
      assert.equal(patched.body.vm.reclaimAt, "2099-01-31T00:00:00.000Z")
      assert.equal(patched.body.vm.haEnabled, false)
      assert.equal(patched.body.vm.hostname, vm.hostname, "R2 the hostname never changes")
      const off = await agent.call("PATCH", `/api/v1/vms/${vm.id}`, { body: { reclaimAt: null } })
      assert.equal(off.body.vm.reclaimAt, null)
    })

    it("R12 #16 the HA restart priority: 0–100, HA VMs only (rule ha-priority-needs-ha), a refusal changes nothing", async () => {
      const vm = await agent.seedVm({ haEnabled: false })
      const refused = await agent.call("PATCH", `/api/v1/vms/${vm.id}`, {
        body: { haPriority: 70, remarks: "kept out" },
        lang: "zh",
      })
      assert.equal(refused.status, 422)
      assert.equal(refused.body.error.rule, "ha-priority-needs-ha")
      assert.match(refused.body.error.message, /高可用/)
      for (const bad of [101, -1, 1.5, "9"]) {
        const answer = await agent.call("PATCH", `/api/v1/vms/${vm.id}`, { body: { haPriority: bad } })
        assert.equal(answer.status, 400, `haPriority ${JSON.stringify(bad)}`)
      }
      const unchanged = (await agent.call("GET", `/api/v1/vms/${vm.id}`)).body.vm
      assert.deepEqual([unchanged.haPriority, unchanged.remarks, unchanged.version], [0, vm.remarks, vm.version])
      assert.equal((await vmTasks(vm.id)).length, 0)
      // HA on in the same request: one edit.
      const both = await agent.call("PATCH", `/api/v1/vms/${vm.id}`, { body: { haEnabled: true, haPriority: 70 } })
      assert.equal(both.status, 200, JSON.stringify(both.body))
      assert.deepEqual([both.body.vm.haEnabled, both.body.vm.haPriority], [true, 70])
      // Created with a priority; without HA it is refused as in a patch.
      const body = { imageId: agent.world.image.id, flavorId: agent.world.flavor.id, start: false }
      const created = await agent.call("POST", "/api/v1/vms", { body: { ...body, name: "prio_vm", haPriority: 40 } })
      assert.equal(created.status, 202, JSON.stringify(created.body))
      const stored = await agent.call("GET", `/api/v1/vms/${created.body.vmIds[0]}`)
      assert.equal(stored.body.vm.haPriority, 40)
      const noHa = await agent.call("POST", "/api/v1/vms", {
        body: { ...body, name: "prio_no_ha", haEnabled: false, haPriority: 40 },
      })
      assert.equal(noHa.status, 422)
      assert.equal(noHa.body.error.rule, "ha-priority-needs-ha")
    })

    it("R7 deletion protection is superadmin-only: the refusal names the rule and nothing of the patch applies", async () => {
      const vm = await agent.seedVm({ displayName: "keep_name" })
      const refused = await agent.call("PATCH", `/api/v1/vms/${vm.id}`, {
        body: { displayName: "new_name", deletionProtected: true },
        lang: "zh",
      })
      assert.equal(refused.status, 403)
      assert.deepEqual(refused.body.error, {
        code: "forbidden",
        rule: "superadmin-only",
        message: "仅超级管理员可以执行此操作",
      })
      const after = await agent.call("GET", `/api/v1/vms/${vm.id}`)
      assert.equal(after.body.vm.displayName, "keep_name")
      assert.equal((await vmTasks(vm.id)).length, 0)
      const byRoot = await agent.call("PATCH", `/api/v1/vms/${vm.id}`, {
        as: "superadmin",
        body: { deletionProtected: true },
      })
      assert.equal(byRoot.status, 200)
      assert.equal(byRoot.body.vm.deletionProtected, true)
      const pastDate = await agent.call("PATCH", `/api/v1/vms/${vm.id}`, { body: { reclaimAt: "2001-01-01" } })
      assert.equal(pastDate.status, 422)
      assert.equal(pastDate.body.error.rule, "reclaim-date-future")
      assert.equal((await agent.call("PATCH", `/api/v1/vms/${vm.id}`, { body: {} })).status, 400)
    })

    it("B4 delete moves the VM to the recycle bin; deletion protection refuses with 409; destroy removes it for good", async () => {
      const vm = await agent.seedVm({ displayName: "to_bin" })
      const deleted = await agent.call("DELETE", `/api/v1/vms/${vm.id}`)
      assert.equal(deleted.status, 202)
      assert.equal(deleted.body.task.operation, "vm.delete")
      assert.equal((await agent.settle(deleted.body.task.id)).state, "succeeded")
      const listed = await agent.call("GET", `/api/v1/vms?search=to_bin&columns=displayName`)
      assert.equal(listed.body.total, 0)
      const detail = await agent.call("GET", `/api/v1/vms/${vm.id}`)
      assert.notEqual(detail.body.vm.recycledAt, null)

      const guarded = await agent.seedVm({ deletionProtected: true })
      const refused = await agent.call("DELETE", `/api/v1/vms/${guarded.id}`, { lang: "zh" })
      assert.equal(refused.status, 409)
      assert.equal(refused.body.error.rule, "deletion-protected")
      assert.match(refused.body.error.message, /删除保护/)

      const doomed = await agent.seedVm()
      const destroyed = await agent.call("DELETE", `/api/v1/vms/${doomed.id}?destroy=true&deleteDataDisks=true`)
      assert.equal(destroyed.body.task.operation, "vm.destroy")
      await agent.settle(destroyed.body.task.id)
      assert.equal((await agent.call("GET", `/api/v1/vms/${doomed.id}`)).status, 404)
      assert.equal((await agent.call("DELETE", `/api/v1/vms/${doomed.id}?destroy=maybe`)).status, 400)
    })

    it("B4 a DELETE with options in a JSON body is refused like an unknown field, and the VM stays; {} is no options", async () => {
      const vm = await agent.seedVm({ displayName: "kept_by_body" })
      for (const body of [{ destroy: true }, { force: true, deleteDataDisks: true }]) {
        const refused = await agent.call("DELETE", `/api/v1/vms/${vm.id}`, { body })
        assert.equal(refused.status, 400, JSON.stringify(refused.body))
        assert.equal(refused.body.error.code, "invalid-input")
      }
      const bom = await agent.call("DELETE", `/api/v1/vms/${vm.id}`, { rawBody: '\uFEFF{"destroy":true}' })
      assert.equal(bom.status, 400)
      assert.equal((await vmTasks(vm.id)).length, 0)
      assert.equal((await agent.call("GET", `/api/v1/vms/${vm.id}`)).body.vm.recycledAt, null)
      const snapshot = await agent.call("DELETE", `/api/v1/vms/${vm.id}/snapshots/${vm.id}`, { body: { force: true } })
      assert.equal(snapshot.status, 400)
      const emptyOptions = await agent.call("DELETE", `/api/v1/vms/${vm.id}`, { body: {} })
      assert.equal(emptyOptions.status, 202)
      await agent.settle(emptyOptions.body.task.id)
    })
  })
}
