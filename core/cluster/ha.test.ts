import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { HostConfig } from "../config.ts"
import { type MigrationPeerCalls, MigrationPeers } from "../operations/migrate/peers.ts"
import { power } from "../operations/power.ts"
import { seedVm } from "../operations/testing/world.ts"
import { sampleHost } from "../rules/testing-records.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { failoverRound } from "./ha.ts"
import { defaultTimeouts } from "./host-state.ts"
import { PeerUnreachable } from "./peers.ts"
import { stopMovedAway } from "./returning.ts"
import { ClusterSettings } from "./settings.ts"

for (const backend of storeBackends) {
  describe(`HA failover on ${backend.name} (#16, R12)`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    const shared = { timeouts: defaultTimeouts, stoppedVms: "hold" as const, sharedStorageDir: "/var/lib/hyperx/disks" }
    const round = () => core.run(Effect.provideService(failoverRound(), ClusterSettings, shared))
    const vm = (id: string) => core.run(Store.use((s) => s.vms.get(id)))

    it("R12 the leader restarts a down host's HA VMs elsewhere and records the others down, once", async () => {
      // A host whose last heartbeat is long gone reads down; its VMs were running there.
      const dead = sampleHost({ id: "dead", name: "dead", driver: core.world.host.driver, heartbeatAt: new Date(0) })
      await core.run(Store.use((s) => s.hosts.insert(dead)))
      const onDead = { hostId: dead.id, state: "running" as const }
      const ha = await core.run(seedVm(core.world, { ...onDead, haEnabled: true, displayName: "ha_shared" }))
      const local = await core.run(seedVm(core.world, { ...onDead, haEnabled: true, displayName: "ha_local" }))
      const plain = await core.run(seedVm(core.world, { ...onDead, haEnabled: false, displayName: "not_ha" }))
      const [disk] = await core.run(Store.use((s) => s.disks.list({ vmId: local.id })))
      await core.run(Store.use((s) => s.disks.update(disk?.id ?? "", { path: "/srv/local/disk.qcow2" })))

      const outcomes = await round()
      assert.deepEqual(
        new Map(outcomes.map((o) => [o.vmId, o.to ?? "down"])),
        new Map([
          [ha.id, core.world.host.id],
          [local.id, "down"],
          [plain.id, "down"],
        ]),
      )
      assert.equal(outcomes.at(-1)?.vmId, plain.id, "HA VMs first")
      // The HA VM runs on this host now (its start is the ordinary start task).
      await core.eventually(async () => ((await vm(ha.id)).state === "running" ? true : undefined))
      assert.equal((await vm(ha.id)).hostId, core.world.host.id)
      assert.equal((await core.run(core.fake.driver.inspect(ha.hostname))).power, "running")
      // The others are recorded down where they were, with the reason, and a task each.
      const recorded = await vm(local.id)
      assert.deepEqual([recorded.state, recorded.hostId], ["error", dead.id])
      assert.match(recorded.stateReason, /ha-needs-shared-storage/)
      assert.match((await vm(plain.id)).stateReason, /not HA/)
      const tasks = await core.run(Store.use((s) => s.tasks.list({ vmId: plain.id })))
      assert.deepEqual(
        tasks.map((t) => [t.operation, t.userId, t.state]),
        [["vm.reconcile", "system", "succeeded"]],
      )
      // A second round (the next leader's, or the same one's) finds nothing left to do: nothing starts twice.
      assert.deepEqual(await round(), [])
      const starts = await core.run(Store.use((s) => s.tasks.list({ vmId: ha.id })))
      assert.equal(starts.filter((t) => t.operation === "vm.start").length, 1)

      // The dead host's agent, back (one fake hypervisor plays both hosts): what still runs of VMs placed elsewhere
      // meanwhile is powered off; what is placed on it stays.
      const stray = await core.run(seedVm(core.world, { hostId: dead.id, state: "stopped", displayName: "stray" }))
      await core.run(Effect.flatMap(power(core.world.actors.owner, stray.id, "start"), (h) => h.done))
      const asDead = await core.run(
        Effect.provideService(stopMovedAway(), HostConfig, { ...core.host, hostId: dead.id }),
      )
      assert.deepEqual(asDead, [ha.hostname])
      assert.equal((await core.run(core.fake.driver.inspect(stray.hostname))).power, "running")
    })

    it("R12 the HA VMs of a down host restart by their priority, higher first, then the oldest first", async () => {
      const dead = sampleHost({ id: "dead2", name: "dead2", driver: core.world.host.driver, heartbeatAt: new Date(0) })
      await core.run(Store.use((s) => s.hosts.insert(dead)))
      const seed = (displayName: string, haPriority: number, haEnabled = true) =>
        core.run(seedVm(core.world, { hostId: dead.id, state: "running", haEnabled, haPriority, displayName }))
      // Seeded oldest first: without priorities, the order would be this one.
      const low = await seed("low", 10)
      const plain = await seed("plain", 100, false)
      const high = await seed("high", 90)
      const none = await seed("none", 0)
      const middle = await seed("middle", 50)
      // (The first test's host is down too; its stray VM, started there since, is its business.)
      const outcomes = (await round()).filter((o) => o.from === dead.id)
      assert.deepEqual(
        outcomes.map((o) => o.vmId),
        [high.id, middle.id, low.id, none.id, plain.id],
        "HA by priority, then the VM without HA (its priority ignored)",
      )
      for (const started of [high, middle, low, none]) {
        await core.eventually(async () => ((await vm(started.id)).state === "running" ? true : undefined))
      }
    })

    it("R12 with R9: a VM caught in a live migration restarts only once the migration's target ended its incoming side", async () => {
      const dead = sampleHost({ id: "dead3", name: "dead3", driver: core.world.host.driver, heartbeatAt: new Date(0) })
      // Up, but with no room for it: failover places it on this host.
      const target = sampleHost({
        id: "target3",
        name: "target3",
        driver: core.world.host.driver,
        heartbeatAt: new Date(),
        memoryMiB: 64,
      })
      await core.run(Store.use((s) => Effect.all([s.hosts.insert(dead), s.hosts.insert(target)])))
      const moving = await core.run(
        seedVm(core.world, { hostId: dead.id, state: "migrating", haEnabled: true, displayName: "moving" }),
      )
      // The source's agent recorded the move to target3 and died before recording its end.
      const at = new Date()
      await core.run(
        Store.use((s) =>
          s.tasks.insert({
            id: crypto.randomUUID(),
            operation: "vm.migrate",
            vmId: moving.id,
            targetId: target.id,
            parentId: null,
            userId: core.world.users.owner.id,
            companyId: moving.companyId,
            departmentId: moving.departmentId,
            state: "running",
            progress: 60,
            params: { from: dead.id },
            result: null,
            error: null,
            createdAt: at,
            startedAt: at,
            finishedAt: null,
          }),
        ),
      )
      const aborted: Array<[string, string]> = []
      let reachable = false
      const peers: MigrationPeerCalls = {
        prepare: () => Effect.die("not asked"),
        finish: () => Effect.die("not asked"),
        abort: (host, vmId) =>
          reachable
            ? Effect.sync(() => void aborted.push([host.id, vmId]))
            : Effect.fail(new PeerUnreachable({ hostId: host.id, message: "connection refused" })),
      }
      const roundWith = () =>
        core.run(
          Effect.provideService(Effect.provideService(failoverRound(), ClusterSettings, shared), MigrationPeers, peers),
        )
      const ofMoving = async () => (await roundWith()).filter((o) => o.vmId === moving.id)

      // The target cannot be told: the VM is left as it is (it may run there), for the next round.
      assert.deepEqual(await ofMoving(), [])
      assert.deepEqual([(await vm(moving.id)).state, (await vm(moving.id)).hostId], ["migrating", dead.id])
      // Told: its incoming side ended first, then the VM restarts here, once.
      reachable = true
      assert.deepEqual(
        (await ofMoving()).map((o) => o.to),
        [core.world.host.id],
      )
      assert.deepEqual(aborted, [[target.id, moving.id]])
      await core.eventually(async () => ((await vm(moving.id)).state === "running" ? true : undefined))
      assert.deepEqual(await ofMoving(), [])
    })
  })
}
