import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { once } from "node:events"
import { join } from "node:path"
import { describe, it } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import { bin, killAgent, originOf, spawnAgent, usePair } from "./testing.ts"

const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : false

interface HostRow {
  readonly id: string
  readonly state: string
  readonly agentStoppedAt: string | null
}

/**
 * #16 R12: an agent stopped gracefully (an upgrade, a restart) leaves its guests running, and the cluster does not
 * fail them over while it is away: its host reads suspect, not down, for the restart grace. (A killed agent's host
 * reads down after --host-down-after and is failed over: start-elsewhere.test.ts, three-hosts.qemu.test.ts.)
 */
describe("a cluster while one agent restarts (#16, R12)", { skip }, () => {
  const pairOf = usePair(adminUrl, "hx-graceful-")

  it("#16 R12 SIGTERM: the host reads suspect past --host-down-after, its HA VM stays running there, no failover; the restart finds it", async () => {
    const pair = pairOf()
    const vmId = await pair.vmOn(pair.hostB, "kept_on_b", { haEnabled: true })
    const hostB = async () =>
      ((await pair.api(pair.originA, "GET", "/hosts")).body.items as Array<HostRow>).find((h) => h.id === pair.hostB)
    const exited = once(pair.b.child, "exit")
    process.kill(pair.b.child.pid ?? 0, "SIGTERM")
    await exited
    assert.match(pair.b.stdout, /Stopped\. VMs keep running/)
    // past the 10 s after which a silent host reads down, and a few failover rounds (one every 2 s) more
    await sleep(16_000)
    const away = await hostB()
    assert.equal(away?.state, "suspect", "a host whose agent restarts is not down")
    assert.ok(away?.agentStoppedAt, "the host's row says when its agent stopped")
    const vm = (await pair.api(pair.originA, "GET", `/vms/${vmId}`)).body.vm
    assert.deepEqual([vm.hostId, vm.state], [pair.hostB, "running"], "not failed over")
    const tasks = (await pair.api(pair.originA, "GET", `/tasks?vmId=${vmId}`)).body.items as Array<{
      operation: string
    }>
    assert.deepEqual(
      tasks.filter((t) => t.operation === "vm.reconcile"),
      [],
      "no failover task",
    )

    const again = spawnAgent(pair.databaseUrl, join(pair.folder, "b"), "node-b", [
      "--cluster-secret-file",
      join(pair.folder, "cluster-secret"),
    ])
    try {
      await originOf(again)
      const back = await hostB()
      assert.deepEqual([back?.state, back?.agentStoppedAt], ["up", null])
      const after = (await pair.api(pair.originA, "GET", `/vms/${vmId}`)).body.vm
      assert.deepEqual([after.hostId, after.state], [pair.hostB, "running"])
      // The banner's token command, from a shell without the agent's DATABASE_URL: it says what it lacks
      const { DATABASE_URL: _, ...env } = process.env
      const token = spawnSync(
        process.execPath,
        [bin, "token", "create", "--user", "superadmin", "--data", join(pair.folder, "b"), "--quiet"],
        { env, encoding: "utf8" },
      )
      assert.notEqual(token.status, 0)
      assert.match(token.stderr, /uses an external database: run this with its DATABASE_URL set, or --database-url/)
    } finally {
      killAgent(again)
    }
  })
})
