import assert from "node:assert/strict"
import { randomBytes, randomUUID } from "node:crypto"
import { after, before, describe, it } from "node:test"
import { Effect, Layer, ManagedRuntime } from "effect"
import { makeFakeDriver } from "../../../plugins/fake/index.ts"
import { coreLayer } from "../../layer.ts"
import { makeFakeHostNetwork } from "../../network/fake.ts"
import { HostNetwork } from "../../network/host-network.ts"
import { Store } from "../../store/ports.ts"
import { sampleRows, storeBackends } from "../../store/testing.ts"
import { createVms } from "../create.ts"
import { deleteVm } from "../delete.ts"
import { seedWorld, type World } from "../testing/world.ts"
import { HostNetworking, syncHostNetworking } from "./host-networking.ts"
import { nicOperations } from "./nics.ts"

for (const backend of storeBackends) {
  describe(`host networking from the records on ${backend.name} (#15: C6, N6)`, { skip: backend.skip }, () => {
    const hostId = randomUUID()
    let runtime: ManagedRuntime.ManagedRuntime<
      Layer.Success<ReturnType<typeof coreLayer>> | Store | HostNetworking,
      unknown
    >
    let host: Effect.Success<typeof makeFakeHostNetwork>
    let world: World

    before(async () => {
      const fake = await Effect.runPromise(makeFakeDriver({ bootDelayMs: 0, shutdownDelayMs: 0 }))
      host = await Effect.runPromise(makeFakeHostNetwork)
      const core = Layer.merge(
        coreLayer({
          host: { hostId, storageDir: "/var/lib/hyperx/disks", shutdownTimeoutMs: 2000, secretKey: randomBytes(32) },
          drivers: [fake.driver],
        }),
        backend.layer(),
      )
      const networking = HostNetworking.layer.pipe(Layer.provide(Layer.succeed(HostNetwork, host.service)))
      runtime = ManagedRuntime.make(Layer.provideMerge(networking, core))
      world = await runtime.runPromise(seedWorld(fake.driver.name, hostId))
    })
    after(() => runtime?.dispose())

    it("a created VM's network and tap are made before it starts, with its DHCP reservation; destroying it removes them", async () => {
      const networkId = randomUUID()
      const subnet = await runtime.runPromise(
        Effect.gen(function* () {
          const store = yield* Store
          yield* store.networks.insert(
            sampleRows.network({
              id: networkId,
              kind: "isolated",
              departmentId: world.users.owner.departmentId,
              backing: { kind: "bridge", bridge: "auto" },
            }),
          )
          return yield* store.subnets.insert(
            sampleRows.subnet({
              networkId,
              cidr: "10.77.0.0/24",
              gateway: "10.77.0.1",
              rangeStart: "10.77.0.2",
              rangeEnd: "10.77.0.254",
              dhcp: true,
            }),
          )
        }),
      )
      const [handle] = await runtime.runPromise(
        createVms(world.actors.owner, {
          count: 1,
          name: "net_1",
          imageId: world.image.id,
          flavorId: world.flavor.id,
          networks: [{ networkId }],
        }),
      )
      const task = await runtime.runPromise(handle?.done ?? Effect.die("no task"))
      assert.equal(task.state, "succeeded", JSON.stringify(task.error))
      const [nic] = await runtime.runPromise(Store.use((s) => s.nics.list({ vmId: task.vmId ?? "" })))
      assert.ok(nic)
      assert.equal(nic.subnetId, subnet.id)
      const specs = await Effect.runPromise(host.view.specs())
      assert.deepEqual(
        specs.map((spec) => [spec.networkId, spec.kind, spec.reservations]),
        [[networkId, "isolated", [{ mac: nic.mac, ip: nic.primaryIp }]]],
      )
      const present = await Effect.runPromise(host.service.list())
      assert.deepEqual(
        present.taps.map((tap) => [tap.nicId, tap.networkId]),
        [[nic.id, networkId]],
      )

      // N3 N4: the tap's source guard follows the NIC's addresses
      const guardOf = async () => (await Effect.runPromise(host.view.guards())).get(nic.id)
      assert.deepEqual(await guardOf(), { mac: nic.mac, addresses: [nic.primaryIp] })
      const vmId = task.vmId ?? ""
      const added = await runtime.runPromise(nicOperations.addSecondaryIp(world.actors.owner, vmId, nic.id))
      assert.equal(added.task.state, "succeeded", JSON.stringify(added.task.error))
      assert.deepEqual(await guardOf(), { mac: nic.mac, addresses: [nic.primaryIp, added.value] })
      const removed = await runtime.runPromise(
        nicOperations.removeSecondaryIp(world.actors.owner, vmId, nic.id, added.value),
      )
      assert.equal(removed.task.state, "succeeded", JSON.stringify(removed.task.error))
      assert.deepEqual(await guardOf(), { mac: nic.mac, addresses: [nic.primaryIp] })

      // a restart: the sync finds everything in place and removes nothing
      const report = await runtime.runPromise(HostNetworking.use((networking) => networking.sync()))
      assert.deepEqual(report, { removedTaps: [], removedNetworks: [] })

      const destroyed = await runtime.runPromise(deleteVm(world.actors.owner, task.vmId ?? "", { destroy: true }))
      assert.equal((await runtime.runPromise(destroyed.done)).state, "succeeded")
      const left = await Effect.runPromise(host.service.list())
      assert.deepEqual([left.taps, left.networks], [[], []], "no device left behind")
      await runtime.runPromise(syncHostNetworking)
    })
  })
}
