import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { type PeerCalls, Peers } from "../cluster/peers.ts"
import { HostConfig } from "../config.ts"
import { RuleViolation } from "../errors.ts"
import { createVms } from "../operations/create.ts"
import { power } from "../operations/power.ts"
import { provision } from "../operations/provision.ts"
import { sampleHost } from "../rules/testing-records.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"

for (const backend of storeBackends) {
  describe(`create places through placement on ${backend.name} (#16)`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    const addHost = (id: string, fields: Parameters<typeof sampleHost>[0]) =>
      core.run(
        Store.use((s) => s.hosts.insert(sampleHost({ id, name: id, driver: core.world.host.driver, ...fields }))),
      )
    const bigFlavor = () =>
      core.run(
        Store.use((s) =>
          s.flavors.insert({
            id: randomUUID(),
            name: "big",
            cpus: 2,
            memoryMiB: 20_000,
            gpuAllowed: false,
            perDay: 1,
            createdAt: new Date(),
          }),
        ),
      )
    const request = (flavorId: string) => ({
      count: 1,
      name: "placed_1",
      imageId: core.world.image.id,
      flavorId,
      start: false,
    })

    it("C3 R12 a refusal names the rule and which constraint ruled out which host; nothing is created", async () => {
      await addHost("drained", { state: "maintenance", zone: core.world.host.zone, heartbeatAt: null })
      await addHost("silent", { heartbeatAt: new Date(0), zone: core.world.host.zone })
      const flavor = await bigFlavor()
      const before = await core.run(Store.use((s) => s.vms.list({})))
      const error = await core.run(Effect.flip(createVms(core.world.actors.owner, request(flavor.id))))
      assert.ok(error instanceof RuleViolation)
      assert.equal(error.rule, "no-host-capacity")
      assert.equal(
        error.message,
        `No host can take the VM(s); ruled out by state (maintenance, suspect or down): drained, silent; capacity: ${core.world.host.id}`,
      )
      assert.equal((await core.run(Store.use((s) => s.vms.list({})))).length, before.length)
    })

    it("C3 in a cluster, a VM placed on another host is provisioned by that host's agent; this one refuses its driver work", async () => {
      await addHost("roomy", { zone: core.world.host.zone, heartbeatAt: null })
      const flavor = await bigFlavor()
      const asked: Array<string> = []
      // The other host's agent, played on the same database and driver: the real provision under its host id.
      const peers: PeerCalls = {
        start: () => Effect.die("not asked"),
        batch: () => Effect.die("not asked"),
        runSchedule: () => Effect.die("not asked"),
        provision: (host, actor, vmId, start) => {
          asked.push(`${host.id} ${vmId}`)
          return Effect.promise(() =>
            core.run(
              Effect.map(
                Effect.provideService(provision(actor, vmId, start), HostConfig, { ...core.host, hostId: host.id }),
                (handle) => handle.task.id,
              ),
            ),
          )
        },
      }
      const inCluster = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provideService(effect, Peers, peers)
      const [handle] = await core.run(inCluster(createVms(core.world.actors.owner, request(flavor.id))))
      assert.ok(handle)
      const task = await core.run(handle.done)
      assert.equal(task.state, "succeeded")
      const vm = await core.run(Store.use((s) => s.vms.get(task.vmId ?? "")))
      assert.equal(vm.hostId, "roomy")
      assert.deepEqual(asked, [`roomy ${vm.id}`])
      const refused = await core.run(
        Effect.flip(inCluster(Effect.flatMap(power(core.world.actors.owner, vm.id, "start"), (h) => h.done))),
      )
      assert.ok(refused instanceof RuleViolation)
      assert.equal(refused.rule, "vm-on-another-host")
      assert.equal((await core.run(Store.use((s) => s.vms.get(vm.id)))).state, "stopped")
    })
  })
}
