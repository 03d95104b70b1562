/**
 * R9, #17 on real QEMU: two agents on one PostgreSQL, one guest booted once and moved between them through the API
 * (migration-scenario.ts). Each move: the guest's serial heartbeat goes on at the target with no second boot, one
 * QEMU runs it (the source's is gone), the records place it on the target. A cancel and a target QEMU killed
 * mid-way leave it running on the source. The refusals come through the API with their rules.
 */
import assert from "node:assert/strict"
import { existsSync } from "node:fs"
import { before, describe, it } from "node:test"
import { missingForQemu } from "../start/hypervisor.ts"
import { type Pair, qemuPid, serialOf, usePair } from "./migration-scenario.ts"
import { apiOf, until } from "./testing.ts"

const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : (missingForQemu() ?? false)

describe("R9 live migration between two agents on real QEMU (#17)", { skip, timeout: 1_200_000 }, () => {
  const pair = usePair(adminUrl)
  let p: Pair
  before(() => {
    p = pair()
  })

  it("R9 shared storage: memory moves alone; the guest runs on at the target, same boot, the source QEMU gone", async () => {
    const { a, b } = p
    const events = await p.follow(a)
    const beat = p.lastBeat(a)
    // Asked of node-b, which forwards it to node-a, the VM's host: the source runs the migration.
    const done = await p.task(await p.migrate(b, { hostId: b.id }))
    assert.equal(done.state, "succeeded", JSON.stringify(done.error))
    assert.equal(done.result.storage, "shared")
    assert.ok(Number(done.result.transferredBytes) > 0)
    await p.assertRunsOn(b, beat)
    assert.equal(qemuPid(a, p.hostname), undefined, "the source's QEMU is gone")
    assert.ok(
      events.some((e) => e.phase === "memory" || e.phase === "completed"),
      JSON.stringify(events),
    )
  })

  it("R9 local storage: the disk is mirrored to the target and recorded in its pool; the guest runs on", async () => {
    const { a, b, api } = p
    const disks = async () =>
      (await api(a.origin, "GET", `/vms/${p.vmId}`)).body.resources.disks as Array<{ id: string; path: string }>
    const before = await disks()
    const beat = p.lastBeat(b)
    // node-b keeps no shared folder: its disks are local, and move with the guest.
    const done = await p.task(await p.migrate(a, { hostId: a.id }))
    assert.equal(done.state, "succeeded", JSON.stringify(done.error))
    assert.equal(done.result.storage, "local")
    await p.assertRunsOn(a, beat)
    const system = (await disks()).find((d) => d.id === before[0]?.id)
    assert.ok(system !== undefined && system.path !== before[0]?.path, "the disk is recorded at its new file")
    assert.ok(system.path.startsWith(`${p.shared}/`), "in the target's storage")
    assert.ok(existsSync(system.path))
    assert.equal(existsSync(before[0]?.path ?? ""), false, "the source's copy is removed")
  })

  /**
   * Starts a move to node-b and stops the incoming QEMU once it listens, so that the migration cannot complete (the
   * tiny guest's memory may still fit in the socket buffers, then the proof waits); then `act` (cancel, or kill the
   * target QEMU). The task fails with `error`; the guest runs on at node-a, nothing on node-b.
   */
  const failsMidway = async (act: (targetPid: number) => Promise<void>, error: RegExp) => {
    const { a, b } = p
    const events = await p.follow(a)
    const beat = p.lastBeat(a)
    const mark = serialOf(a, p.hostname).length
    const id = await p.migrate(a, { hostId: b.id })
    const pid = await p.incomingListening(b)
    process.kill(pid, "SIGSTOP")
    await until("the send to be under way", async () => (events.length > 0 ? true : undefined))
    assert.equal((await p.vm()).state, "migrating")
    await act(pid)
    const done = await p.task(id)
    assert.equal(done.state, "failed")
    assert.match(done.error.message, error)
    await until("the VM to read running", async () => ((await p.vm()).state === "running" ? true : undefined))
    await p.assertRunsOn(a, beat, mark)
    assert.equal(qemuPid(b, p.hostname), undefined, "a QEMU is left on the target")
  }

  it("R9 cancel mid-way: the VM keeps running on its host", () =>
    failsMidway(async () => {
      const answer = await p.api(p.b.origin, "POST", `/vms/${p.vmId}/migrate/cancel`, {})
      assert.equal(answer.status, 200, JSON.stringify(answer.body))
    }, /cancel/))

  it("R9 the target QEMU killed mid-way: the VM keeps running on its host, the task says why", () =>
    failsMidway(async (pid) => {
      process.kill(pid, "SIGKILL")
    }, /migration|failed|node-b/))

  it("R9 refusals through the API, each with its rule; nothing moves", async () => {
    const { a, b, api, vmId } = p
    const refused = async (body: Record<string, unknown>, status: number, rule?: string, token?: string) => {
      const call = token === undefined ? api : apiOf(token)
      const answer = await call(b.origin, "POST", `/vms/${vmId}/migrate`, body)
      assert.equal(answer.status, status, JSON.stringify(answer.body))
      if (rule !== undefined) assert.equal(answer.body.error.rule, rule)
    }
    await refused({ hostId: a.id }, 422, "migrate-other-host")
    await refused({ hostId: "no-such-host" }, 404)
    await refused({ hostId: b.id, mode: "sideways" }, 400)
    await refused({ hostId: b.id, extra: 1 }, 400)
    // A host under maintenance takes no VM: named, or the only other one when placement chooses.
    assert.equal((await api(a.origin, "PUT", `/hosts/${b.id}/maintenance`)).status, 200)
    await refused({ hostId: b.id }, 409, "host-up")
    await refused({}, 409, "no-host-up")
    assert.equal((await api(a.origin, "DELETE", `/hosts/${b.id}/maintenance`)).status, 200)
    // An admin of the VM's own department may not migrate.
    const record = (await api(a.origin, "GET", `/vms/${vmId}`)).body.vm as { departmentId: string }
    const user = await api(a.origin, "POST", "/users", {
      name: "dept admin",
      email: "admin@example.com",
      role: "admin",
      departmentId: record.departmentId,
    })
    assert.equal(user.status, 201, JSON.stringify(user.body))
    const issued = await api(a.origin, "POST", "/tokens", { name: "admin", userId: user.body.id })
    assert.equal(issued.status, 201, JSON.stringify(issued.body))
    await refused({ hostId: b.id }, 403, "superadmin-only", issued.body.secret)
    // A stopped VM does not live-migrate.
    const stopped = await api(a.origin, "POST", "/vms", {
      imageId: "tiny-linux",
      flavorId: "tiny",
      name: "idle",
      start: false,
    })
    assert.equal(stopped.status, 202, JSON.stringify(stopped.body))
    const otherId = stopped.body.vmIds[0]
    await until("the second VM to be stopped", async () =>
      (await api(a.origin, "GET", `/vms/${otherId}`)).body.vm.state === "stopped" ? true : undefined,
    )
    const answer = await api(a.origin, "POST", `/vms/${otherId}/migrate`, { hostId: b.id })
    assert.equal(answer.status, 409, JSON.stringify(answer.body))
    assert.equal(answer.body.error.rule, "lifecycle-state")
    // No migration runs: nothing to cancel.
    const cancel = await api(a.origin, "POST", `/vms/${vmId}/migrate/cancel`, {})
    assert.equal(cancel.status, 409)
    assert.equal(cancel.body.error.rule, "migration-running")
    const now = await p.vm()
    assert.equal(now.hostId, a.id)
    assert.equal(now.state, "running")
  })
})
