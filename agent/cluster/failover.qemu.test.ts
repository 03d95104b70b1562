/**
 * #16, R12 on real QEMU: three agents, one PostgreSQL, a shared directory. kill -9 one agent's process group and its
 * QEMUs: its HA VM's guest boots on another host, its non-HA VM is recorded down, nothing runs twice (process list);
 * the agent returns: nothing starts twice.
 */
import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Effect, Exit, Scope } from "effect"
import { scratchDatabase } from "../../core/store/testing.ts"
import { missingForQemu } from "../start/hypervisor.ts"
import { type Cluster, createRunning, killAndFailOver, qemuProcesses, startCluster } from "./failover-scenario.ts"
import { until } from "./testing.ts"

const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : (missingForQemu() ?? false)

describe("HA failover across three agents on real QEMU (#16, R12)", { skip }, () => {
  const folder = mkdtempSync(join(tmpdir(), "hx-ha-"))
  const scope = Effect.runSync(Scope.make())
  let cluster: Cluster | undefined
  after(async () => {
    cluster?.stop()
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(folder, { recursive: true, force: true })
  })

  it("#16 R12 kill -9 a host: its HA VM boots elsewhere, its non-HA VM is recorded down, nothing runs twice, before or after it returns", async () => {
    const db = await Effect.runPromise(Scope.provide(scratchDatabase(adminUrl), scope))
    cluster = await startCluster(folder, db.url)
    const [a, b, c] = cluster.members
    assert.ok(a && b && c)
    // Placement spreads by free memory: one VM per host, then the fourth on the first again (ties: smallest id).
    const vms = []
    for (const [i, via] of [a, b, c].entries()) vms.push(await createRunning(cluster, via, `ha_${i}`, true))
    const plain = await createRunning(cluster, a, "not_ha", false)
    assert.equal(new Set(vms.map((v) => v.hostId)).size, 3, "three HA VMs on three hosts")
    const victim = cluster.members.find((m) => m.id === plain.hostId)
    assert.ok(victim)
    const ha = vms.find((v) => v.hostId === victim.id)
    assert.ok(ha)
    const hostnames = [...vms.map((v) => v.hostname), plain.hostname]

    const phases = await killAndFailOver(cluster, victim, ha)
    const moved = await cluster.vm(ha.id)
    assert.notEqual(moved.hostId, victim.id)
    assert.equal(moved.state, "running")
    const down = await until("the non-HA VM to be recorded down", async () => {
      const vm = await cluster?.vm(plain.id)
      return vm?.state === "error" ? vm : undefined
    })
    assert.match(down.stateReason, /not HA/)
    const running = { ...Object.fromEntries(vms.map((v) => [v.hostname, 1])), [plain.hostname]: 0 }
    assert.deepEqual(qemuProcesses(hostnames), running, "each HA guest runs once; the non-HA one not at all")

    // The host comes back: it starts nothing the others run, and not the VM recorded down.
    await cluster.restart(victim)
    await until("the host to read up", async () => {
      const hosts = (await cluster?.api(victim.origin, "GET", "/hosts"))?.body.items as Array<{
        id: string
        state: string
      }>
      return hosts.find((h) => h.id === victim.id)?.state === "up" ? true : undefined
    })
    assert.deepEqual(qemuProcesses(hostnames), running)
    assert.equal((await cluster.vm(plain.id)).state, "error")
    console.log(JSON.stringify({ phases }))
  })
})
