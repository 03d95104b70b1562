import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { HypervisorFailure } from "../../core/index.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"
import { withoutHostPaths } from "./host-paths.ts"

describe("host paths in messages", () => {
  it("are cut to their last segment; URLs, words and short names stay", () => {
    assert.equal(
      withoutHostPaths("qemu-system-x86_64: -drive file=/var/lib/hyperx/disks/vm-1.qcow2,if=none: Could not open"),
      "qemu-system-x86_64: -drive file=vm-1.qcow2,if=none: Could not open",
    )
    assert.equal(
      withoutHostPaths("Could not open '/srv/hx/disks/vm-1.qcow2': Invalid argument"),
      "Could not open 'vm-1.qcow2': Invalid argument",
    )
    assert.equal(
      withoutHostPaths("see http://agent.example/api/v1/tasks and /tmp"),
      "see http://agent.example/api/v1/tasks and /tmp",
    )
  })
})

for (const backend of storeBackends) {
  describe(`host paths are for admins on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)

    it("D4 V1 a plain user sees disks without path and backingPath; the department's admin sees both", async () => {
      const vm = await agent.seedVm()
      const asUser = await agent.call("GET", `/api/v1/vms/${vm.id}/disks`)
      assert.equal(asUser.status, 200)
      assert.ok(asUser.body.items.length > 0)
      for (const disk of asUser.body.items) {
        assert.equal("path" in disk || "backingPath" in disk, false, JSON.stringify(disk))
        assert.equal(typeof disk.name, "string")
      }
      const detail = await agent.call("GET", `/api/v1/vms/${vm.id}`)
      assert.doesNotMatch(JSON.stringify(detail.body.resources.disks), /"path"|backingPath|\/var\/lib/)
      const asAdmin = await agent.call("GET", `/api/v1/vms/${vm.id}/disks`, { as: "admin" })
      assert.match(asAdmin.body.items[0].path, /^\//)
      assert.ok("backingPath" in asAdmin.body.items[0])
      const adminDetail = await agent.call("GET", `/api/v1/vms/${vm.id}`, { as: "admin" })
      assert.match(adminDetail.body.resources.disks[0].path, /^\//)
    })

    it("B1 a start that fails on a host file names it without its folder for the user, in full for the admin", async () => {
      const vm = await agent.seedVm()
      const message =
        "qemu-system-x86_64: -blockdev file=/var/lib/hyperx/disks/secret-folder/vm.qcow2: Permission denied"
      await agent.run(
        Effect.asVoid(agent.fake.faults.failNext("start", 1, new HypervisorFailure({ message, retryable: false }))),
      )
      const started = await agent.call("POST", `/api/v1/vms/${vm.id}/start`)
      assert.equal(started.status, 202)
      const settled = await agent.settle(started.body.task.id)
      assert.equal(settled.state, "failed")
      assert.equal((await agent.call("GET", `/api/v1/vms/${vm.id}`)).body.runtime.state, "stopped")
      const asUser = await agent.call("GET", `/api/v1/tasks/${settled.id}`)
      assert.match(asUser.body.error.message, /vm\.qcow2: Permission denied/)
      assert.doesNotMatch(asUser.body.error.message, /secret-folder|\/var\/lib/)
      const listed = await agent.call("GET", `/api/v1/tasks?vmId=${vm.id}`)
      assert.doesNotMatch(JSON.stringify(listed.body), /secret-folder/)
      const asAdmin = await agent.call("GET", `/api/v1/tasks/${settled.id}`, { as: "admin" })
      assert.match(asAdmin.body.error.message, /\/var\/lib\/hyperx\/disks\/secret-folder\/vm\.qcow2/)
    })
  })
}
