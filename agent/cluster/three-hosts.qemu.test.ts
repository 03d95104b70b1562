/**
 * #16 (C3, R10, R12, G1) on real QEMU, as the issue describes it: three agents on loopback (own ports and data
 * folders), one PostgreSQL, one shared directory. Six VMs created through one agent spread by free resources, an
 * anti-affinity group keeps two apart, a department's dedicated host takes only its VMs. kill -9 the leader's whole
 * process group and its QEMUs: its HA VMs boot on the other hosts, its non-HA VM is recorded down, nothing runs twice
 * (process list and disk locks), schedules due meanwhile run once on the new leader; the agent returns and starts
 * nothing twice; every agent answers for every VM, console included. (It took over the former failover.qemu.test.ts.)
 */
import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Effect, Exit, Scope } from "effect"
import pg from "pg"
import { scratchDatabase } from "../../core/store/testing.ts"
import { missingForQemu } from "../start/hypervisor.ts"
import { connect } from "../ws/testing.ts"
import {
  type Cluster,
  type ClusterVm,
  diskHolders,
  guestBooted,
  killAndFailOver,
  leaderOf,
  type Member,
  qemuProcesses,
  startCluster,
} from "./failover-scenario.ts"
import { until } from "./testing.ts"

const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : (missingForQemu() ?? false)

interface Spec {
  readonly name: string
  readonly haEnabled: boolean
  readonly ownerId?: string
  readonly dedicatedHost?: boolean
  readonly affinityGroupIds?: ReadonlyArray<string>
}

describe("three agents, one PostgreSQL, one shared directory, real QEMU (#16: C3, R10, R12, G1)", { skip }, () => {
  const folder = mkdtempSync(join(tmpdir(), "hx-three-"))
  const scope = Effect.runSync(Scope.make())
  let cluster: Cluster | undefined
  let sql: pg.Client | undefined
  after(async () => {
    cluster?.stop()
    await sql?.end()
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(folder, { recursive: true, force: true })
  })

  it("#16 placement spreads, keeps a group apart and honours a dedicated host; kill -9 the leader: HA VMs boot elsewhere once, schedules run once, any agent answers", async () => {
    const started = performance.now()
    const db = await Effect.runPromise(Scope.provide(scratchDatabase(adminUrl), scope))
    sql = new pg.Client({ connectionString: db.url })
    await sql.connect()
    const c3 = await startCluster(folder, db.url)
    cluster = c3
    const [a, b, c] = c3.members as [Member, Member, Member]
    const api = (method: string, path: string, body?: unknown) => c3.api(a.origin, method, path, body)

    // C3: a department with a dedicated host (node-c; an operator sets the column), and one of its users.
    const company = (await api("GET", "/companies")).body.items[0].id as string
    const dept = await api("POST", "/departments", { companyId: company, name: "research" })
    assert.equal(dept.status, 201, JSON.stringify(dept.body))
    await sql.query("update hosts set dedicated_department_id = $1 where id = $2", [dept.body.id, c.id])
    const user = await api("POST", "/users", {
      name: "researcher",
      email: "researcher@example.org",
      role: "user",
      departmentId: dept.body.id,
    })
    assert.equal(user.status, 201, JSON.stringify(user.body))
    // R10: an anti-affinity group of the demo department (the superadmin's).
    const group = await api("POST", "/affinity-groups", { name: "apart", policy: "anti-affinity" })
    assert.equal(group.status, 201, JSON.stringify(group.body))

    // The shared hosts tie on free memory, so the smaller id wins a tie: "first".
    const [first, second] = [a, b].sort((x, y) => (x.id < y.id ? -1 : 1)) as [Member, Member]
    const leader = await until("a leader", () => leaderOf(c3, sql as pg.Client))
    assert.equal(leader, a, "the first agent to start leads")
    // The group's two VMs are not HA: with two shared hosts, the one on a dead host has nowhere to go (R10 holds).
    const specs: ReadonlyArray<Spec> = [
      { name: "d1", haEnabled: true },
      { name: "d2", haEnabled: true },
      { name: "d3", haEnabled: false, affinityGroupIds: [group.body.id] },
      { name: "d4", haEnabled: true },
      // Free memory alone would put it with d3 (a tie again, the smaller id); the group sends it to the other host.
      { name: "d5", haEnabled: false, affinityGroupIds: [group.body.id] },
      { name: "x1", haEnabled: true, ownerId: user.body.id, dedicatedHost: true },
    ]
    const ids: Array<string> = []
    for (const spec of specs) {
      const created = await api("POST", "/vms", { imageId: "tiny-linux", flavorId: "tiny", ...spec })
      assert.equal(created.status, 202, `${spec.name}: ${JSON.stringify(created.body)}`)
      ids.push(created.body.vmIds[0])
    }
    const running = async (id: string) =>
      until(`VM ${id} to run and boot`, async () => {
        const vm = await c3.vm(id)
        if (vm.state === "error") throw new Error(`${id} failed: ${vm.stateReason}`)
        const host = c3.members.find((m) => m.id === vm.hostId) as Member
        return vm.state === "running" && host.alive && guestBooted(host, vm.hostname) ? vm : undefined
      })
    const vms = await Promise.all(ids.map(running))
    const [d1, d2, d3, d4, d5, x1] = vms as [ClusterVm, ClusterVm, ClusterVm, ClusterVm, ClusterVm, ClusterVm]
    const hostOf = (vm: ClusterVm) => c3.members.find((m) => m.id === vm.hostId)?.name
    assert.deepEqual(
      [d1, d2, d3, d4, d5, x1].map(hostOf),
      [first.name, second.name, first.name, second.name, second.name, c.name],
      "spread by free memory, d5 kept apart from d3, x1 on its department's dedicated host, no demo VM there",
    )
    const count = (member: Member) => vms.filter((vm) => vm.hostId === member.id).length
    assert.deepEqual([count(first), count(second), count(c)], [2, 3, 1])

    // P2 across a leader change: hourly snapshot schedules on two VMs of the surviving hosts, due just after the kill.
    const survivorVm = [d1, d2].find((vm) => vm.hostId !== a.id) as ClusterVm
    const slot = new Date(Date.now() + 65_000)
    const schedules = []
    for (const vm of [survivorVm, x1]) {
      const made = await api("POST", `/vms/${vm.id}/snapshot-schedules`, {
        period: "hourly",
        minute: slot.getUTCMinutes(),
        retention: 3,
      })
      assert.equal(made.status, 201, JSON.stringify(made.body))
      schedules.push(made.body.schedule.id as string)
    }

    // R12: the leader's host dies: its agent's process group and its QEMUs, SIGKILL.
    const onVictim = vms.filter((vm) => vm.hostId === a.id)
    const ha = onVictim.filter((vm) => vm.haEnabled)
    const plain = onVictim.find((vm) => !vm.haEnabled) as ClusterVm
    assert.ok(plain && ha.length >= 1)
    const phases = await killAndFailOver(c3, a, ha[0] as ClusterVm)
    const moved = await Promise.all(ha.map((vm) => running(vm.id)))
    for (const vm of moved) assert.notEqual(vm.hostId, a.id)
    for (const vm of moved) assert.notEqual(vm.hostId, c.id, "a demo VM never lands on research's host")
    const down = await until("the non-HA VM to be recorded down", async () => {
      const vm = await c3.vm(plain.id)
      return vm.state === "error" ? vm : undefined
    })
    assert.match(down.stateReason, /not HA/)
    const newLeader = await until("another leader", () => leaderOf(c3, sql as pg.Client))
    assert.notEqual(newLeader, a)

    const hostnames = vms.map((vm) => vm.hostname)
    const expected = Object.fromEntries(vms.map((vm) => [vm.hostname, vm.id === plain.id ? 0 : 1]))
    /** Each VM runs once: one QEMU, and its disk held open by one process that locks it; the down one by none. */
    const runsOnce = async () => {
      assert.deepEqual(qemuProcesses(hostnames), expected, "each HA guest runs once; the non-HA one not at all")
      for (const vm of vms) {
        const detail = (await c3.api(b.origin, "GET", `/vms/${vm.id}`)).body
        for (const disk of detail.resources.disks as Array<{ path: string }>) {
          const held = diskHolders(disk.path)
          const once = vm.id === plain.id ? { holders: 0, locked: false } : { holders: 1, locked: true }
          assert.deepEqual(held, once, `${vm.hostname}'s disk ${disk.path}`)
        }
      }
    }
    await runsOnce()

    // The schedules came due without the old leader: each ran once, on the new one.
    const snapshotsOf = async (vm: ClusterVm) =>
      (await c3.api(b.origin, "GET", `/vms/${vm.id}/snapshots`)).body.items as Array<{ name: string }>
    for (const vm of [survivorVm, x1]) {
      await until(`${vm.hostname}'s scheduled snapshot`, async () =>
        (await snapshotsOf(vm)).length > 0 ? true : undefined,
      )
    }

    // The host comes back: it starts nothing the others run, and not the VM recorded down.
    await c3.restart(a)
    await until("the host to read up", async () => {
      const hosts = (await c3.api(a.origin, "GET", "/hosts")).body.items as Array<{ id: string; state: string }>
      return hosts.find((h) => h.id === a.id)?.state === "up" ? true : undefined
    })
    await runsOnce()
    assert.equal((await c3.vm(plain.id)).state, "error")
    for (const vm of [survivorVm, x1]) assert.equal((await snapshotsOf(vm)).length, 1, `${vm.hostname}: once`)

    // G1: every agent answers for every VM, the console too (VNC's greeting through the asking agent).
    const now = await Promise.all(vms.map((vm) => c3.vm(vm.id)))
    // R6 #16: each VM's password, sealed by the agent its create went to (a), opens on its host now (b, c: placed or
    // moved there by HA), through every agent, and its host's agent set it in the guest at the first start.
    const passwords = new Map<string, string>()
    for (const member of c3.members) {
      for (const vm of now) {
        const seen = await c3.api(member.origin, "GET", `/vms/${vm.id}`)
        assert.equal(seen.status, 200)
        assert.deepEqual([seen.body.vm.hostId, seen.body.vm.state], [vm.hostId, vm.state])
        if (vm.state !== "running") continue
        assert.equal(seen.body.vm.passwordPending, false, `${vm.hostname}: its host set the password a sealed`)
        const shown = await c3.api(member.origin, "POST", `/vms/${vm.id}/password`)
        assert.equal(shown.status, 200, `${vm.hostname} through ${member.name}: ${JSON.stringify(shown.body)}`)
        assert.equal(shown.body.password, passwords.get(vm.id) ?? shown.body.password, "the same through every agent")
        passwords.set(vm.id, shown.body.password)
      }
      const elsewhere = now.find((vm) => vm.hostId !== member.id && vm.state === "running") as ClusterVm
      const ticket = await c3.api(member.origin, "POST", `/vms/${elsewhere.id}/console`, { kind: "vnc" })
      assert.equal(ticket.status, 201, JSON.stringify(ticket.body))
      const client = await connect(ticket.body.url, { protocols: ["binary"] })
      await client.until("the RFB greeting", () => client.bytes.length >= 12)
      assert.equal(client.bytes.subarray(0, 12).toString("latin1"), "RFB 003.008\n")
      client.close()
    }
    console.log(JSON.stringify({ phases, wallMs: Math.round(performance.now() - started) }))
  })
})
