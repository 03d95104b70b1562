import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { storeBackends } from "../../core/store/testing.ts"
import { accepted, recordsOf, runningVm, runScheduleAt, salesVm, stop } from "../storage/testing.ts"
import { useAgent } from "../testing/harness.ts"

for (const backend of storeBackends) {
  describe(`snapshot routes on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    const snapshotsOf = async (vmId: string, as: "owner" | "admin" = "owner") => {
      const reply = await agent.call("GET", `/api/v1/vms/${vmId}/snapshots`, { as })
      assert.equal(reply.status, 200)
      return reply.body.items
    }

    it("P1 P4 P5 snapshot a running VM, follow the task, list it with its size; roll back when stopped; delete", async () => {
      const { vm } = await runningVm(agent)
      await agent.run(agent.fake.simulate.writeGuest(vm.hostname, "/etc/app.conf", "version=1"))
      const reply = await agent.call("POST", `/api/v1/vms/${vm.id}/snapshots`, { body: { name: "before upgrade" } })
      assert.equal(reply.status, 202)
      assert.deepEqual([reply.body.task.operation, reply.body.task.vmId], ["snapshot.create", vm.id])
      const snapshotId = reply.body.task.targetId
      await agent.settle(reply.body.task.id)
      const task = await agent.call("GET", `/api/v1/tasks/${reply.body.task.id}`)
      assert.equal(task.body.state, "succeeded")
      const [listed] = await snapshotsOf(vm.id)
      assert.equal(listed.id, snapshotId)
      assert.equal(listed.name, "before upgrade")
      assert.equal(listed.state, "ready")
      assert.equal(listed.origin, "manual")
      assert.equal(listed.withMemory, false)
      assert.ok(listed.sizeBytes > 0, "the size is read back from the hypervisor")
      assert.ok(!Number.isNaN(Date.parse(listed.createdAt)))

      await agent.run(agent.fake.simulate.writeGuest(vm.hostname, "/etc/app.conf", "version=2"))
      await stop(agent, vm.id)
      const rollback = await accepted(agent, "POST", `/api/v1/vms/${vm.id}/snapshots/${snapshotId}/rollback`)
      assert.deepEqual(
        [rollback.operation, rollback.state, rollback.targetId],
        ["snapshot.rollback", "succeeded", snapshotId],
      )
      assert.equal(await agent.run(agent.fake.simulate.readGuest(vm.hostname, "/etc/app.conf")), "version=1")
      assert.equal((await agent.call("GET", `/api/v1/vms/${vm.id}`)).body.runtime.state, "stopped")

      const deleted = await accepted(agent, "DELETE", `/api/v1/vms/${vm.id}/snapshots/${snapshotId}`)
      assert.deepEqual([deleted.operation, deleted.state], ["snapshot.delete", "succeeded"])
      assert.deepEqual(await snapshotsOf(vm.id), [])
      assert.deepEqual(await agent.run(agent.fake.driver.snapshots.list(vm.hostname)), [])
    })

    it("P1 a snapshot with memory of a running VM; the list is newest first", async () => {
      const { vm } = await runningVm(agent)
      await accepted(agent, "POST", `/api/v1/vms/${vm.id}/snapshots`, { body: { name: "first" } })
      await accepted(agent, "POST", `/api/v1/vms/${vm.id}/snapshots`, { body: { name: "second", withMemory: true } })
      const items = await snapshotsOf(vm.id)
      assert.deepEqual(
        items.map((s: { name: string; withMemory: boolean }) => [s.name, s.withMemory]),
        [
          ["second", true],
          ["first", false],
        ],
      )
    })

    it("P4 rolling back a running VM is 409 stopped-only and changes nothing", async () => {
      const { vm } = await runningVm(agent)
      const task = await accepted(agent, "POST", `/api/v1/vms/${vm.id}/snapshots`)
      const before = await recordsOf(agent, vm.id)
      const refused = await agent.call("POST", `/api/v1/vms/${vm.id}/snapshots/${task.targetId}/rollback`, {
        lang: "zh",
      })
      assert.equal(refused.status, 409)
      assert.deepEqual([refused.body.error.code, refused.body.error.rule], ["conflict", "stopped-only"])
      assert.match(refused.body.error.message, /[\u4e00-\u9fff]/, "the message is in Chinese")
      assert.deepEqual(await recordsOf(agent, vm.id), before)
    })

    it("P1 a memory snapshot of a stopped VM is 409 memory-snapshot-running-only", async () => {
      const { vm } = await runningVm(agent)
      await stop(agent, vm.id)
      const before = await recordsOf(agent, vm.id)
      const refused = await agent.call("POST", `/api/v1/vms/${vm.id}/snapshots`, { body: { withMemory: true } })
      assert.equal(refused.status, 409)
      assert.equal(refused.body.error.rule, "memory-snapshot-running-only")
      assert.deepEqual(await recordsOf(agent, vm.id), before)
    })

    it("P2 P3 a schedule: created with its next run, listed, a second hourly one refused; deleting it keeps what it made", async () => {
      const { vm } = await runningVm(agent)
      const body = { period: "hourly", minute: 15, retention: 2, timeZone: "Asia/Shanghai" }
      const created = await agent.call("POST", `/api/v1/vms/${vm.id}/snapshot-schedules`, { body })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      const schedule = created.body.schedule
      assert.deepEqual([created.body.task.operation, created.body.task.state], ["snapshot.schedule", "succeeded"])
      assert.equal(created.body.task.targetId, schedule.id)
      assert.deepEqual(schedule.target, { kind: "vm-snapshot", vmId: vm.id, withMemory: false })
      assert.deepEqual(
        [schedule.period, schedule.minute, schedule.retention, schedule.enabled],
        ["hourly", 15, 2, true],
      )
      const next = new Date(schedule.nextRunAt)
      assert.equal(next.getUTCMinutes(), 15)
      assert.ok(next > new Date(schedule.createdAt))
      assert.ok(next.getTime() - Date.parse(schedule.createdAt) <= 3_600_000, "within the hour")

      const listed = await agent.call("GET", `/api/v1/vms/${vm.id}/snapshot-schedules`)
      assert.deepEqual(listed.body.items, [schedule])

      const before = await recordsOf(agent, vm.id)
      const second = await agent.call("POST", `/api/v1/vms/${vm.id}/snapshot-schedules`, {
        body: { period: "hourly", minute: 45, retention: 5 },
      })
      assert.equal(second.status, 409)
      assert.equal(second.body.error.rule, "one-schedule-per-period")
      assert.deepEqual(await recordsOf(agent, vm.id), before)
      const daily = await agent.call("POST", `/api/v1/vms/${vm.id}/snapshot-schedules`, {
        body: { period: "daily", minute: 0, hour: 3, retention: 7, enabled: false },
      })
      assert.equal(daily.status, 201)
      assert.equal(daily.body.schedule.nextRunAt, null, "a disabled schedule never runs")

      await accepted(agent, "POST", `/api/v1/vms/${vm.id}/snapshots`, { body: { name: "manual" } })
      for (const hour of [1, 2, 3]) {
        const run = await runScheduleAt(agent, schedule.id, vm.id, new Date(Date.UTC(2027, 0, 1, hour, 15)))
        assert.equal(run.state, "succeeded")
      }
      const made = (await snapshotsOf(vm.id)).filter((s: { scheduleId: string | null }) => s.scheduleId === schedule.id)
      assert.equal(made.length, 2, "retention 2 keeps the schedule's newest two")
      const ran = (await agent.call("GET", `/api/v1/vms/${vm.id}/snapshot-schedules`)).body.items
      const after = ran.find((s: { id: string }) => s.id === schedule.id)
      assert.equal(after.lastRunAt, new Date(Date.UTC(2027, 0, 1, 3, 15)).toISOString())
      assert.equal(after.nextRunAt, new Date(Date.UTC(2027, 0, 1, 4, 15)).toISOString())

      const deleted = await agent.call("DELETE", `/api/v1/vms/${vm.id}/snapshot-schedules/${schedule.id}`)
      assert.equal(deleted.status, 200)
      assert.deepEqual(
        [deleted.body.task.operation, deleted.body.task.state],
        ["snapshot.delete-schedule", "succeeded"],
      )
      const left = await agent.call("GET", `/api/v1/vms/${vm.id}/snapshot-schedules`)
      assert.deepEqual(
        left.body.items.map((s: { period: string }) => s.period),
        ["daily"],
      )
      const kept = await snapshotsOf(vm.id)
      assert.deepEqual(
        kept.map((s: { id: string }) => s.id).sort(),
        [...made.map((s: { id: string }) => s.id), kept.find((s: { name: string }) => s.name === "manual").id].sort(),
        "the schedule's snapshots and the manual one stay",
      )
      const again = await agent.call("DELETE", `/api/v1/vms/${vm.id}/snapshot-schedules/${schedule.id}`)
      assert.equal(again.status, 404)
    })

    it("G1 another department gets 404 for the VM, its snapshots and schedules; the department's admin sees them", async () => {
      const { vm } = await runningVm(agent)
      const snapshot = await accepted(agent, "POST", `/api/v1/vms/${vm.id}/snapshots`)
      const schedule = await agent.call("POST", `/api/v1/vms/${vm.id}/snapshot-schedules`, {
        body: { period: "weekly", minute: 0, hour: 2, dayOfWeek: 6, retention: 4 },
      })
      const before = await recordsOf(agent, vm.id)
      const base = `/api/v1/vms/${vm.id}`
      for (const as of ["outsider", "salesUser"] as const) {
        for (const [method, path, body] of [
          ["GET", `${base}/snapshots`],
          ["POST", `${base}/snapshots`, {}],
          ["POST", `${base}/snapshots/${snapshot.targetId}/rollback`],
          ["DELETE", `${base}/snapshots/${snapshot.targetId}`],
          ["GET", `${base}/snapshot-schedules`],
          ["POST", `${base}/snapshot-schedules`, { period: "daily", minute: 0, retention: 1 }],
          ["DELETE", `${base}/snapshot-schedules/${schedule.body.schedule.id}`],
        ] as const) {
          const reply = await agent.call(method, path, { as, ...(body === undefined ? {} : { body }) })
          assert.equal(reply.status, 404, `${as} ${method} ${path}`)
          assert.equal(reply.body.error.code, "not-found")
        }
      }
      assert.deepEqual(await recordsOf(agent, vm.id), before)
      assert.equal((await snapshotsOf(vm.id, "admin")).length, 1)

      const theirs = await salesVm(agent)
      const other = await agent.call("DELETE", `${base}/snapshots/${snapshot.targetId}`, { as: "salesUser" })
      assert.equal(other.status, 404)
      const wrongVm = await agent.call("DELETE", `/api/v1/vms/${theirs.vm.id}/snapshots/${snapshot.targetId}`, {
        as: "salesUser",
      })
      assert.equal(wrongVm.status, 404, "a snapshot is only reached through its own VM")
    })

    it("bad input is 400 and changes nothing: period, retention, minute, unknown keys, huge names, time zone", async () => {
      const { vm } = await runningVm(agent)
      const before = await recordsOf(agent, vm.id)
      const schedules = `/api/v1/vms/${vm.id}/snapshot-schedules`
      const valid = { period: "daily", minute: 0, retention: 3 }
      for (const [path, body] of [
        [schedules, { ...valid, period: "yearly" }],
        [schedules, { ...valid, retention: 0 }],
        [schedules, { ...valid, minute: 99 }],
        [schedules, { ...valid, hour: 24 }],
        [schedules, { ...valid, dayOfWeek: 7 }],
        [schedules, { ...valid, dayOfMonth: 0 }],
        [schedules, { ...valid, minute: 1.5 }],
        [schedules, { ...valid, timeZone: "Mars/Olympus_Mons" }],
        [schedules, { ...valid, cron: "* * * * *" }],
        [schedules, { period: "daily", retention: 3 }],
        [`/api/v1/vms/${vm.id}/snapshots`, { name: "x".repeat(65) }],
        [`/api/v1/vms/${vm.id}/snapshots`, { name: "   " }],
        [`/api/v1/vms/${vm.id}/snapshots`, { name: "a\u0000b" }],
        [`/api/v1/vms/${vm.id}/snapshots`, { withMemory: "yes" }],
        [`/api/v1/vms/${vm.id}/snapshots`, { memory: true }],
        [`/api/v1/vms/${vm.id}/snapshots/x%20y/rollback`, {}],
        [`/api/v1/vms/${vm.id}/snapshots/${vm.id}/rollback`, { force: true }],
      ] as const) {
        const reply = await agent.call("POST", path, { body })
        assert.equal(reply.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(reply.body)}`)
        assert.equal(reply.body.error.code, "invalid-input")
      }
      assert.deepEqual(await recordsOf(agent, vm.id), before)
    })
  })
}
