import assert from "node:assert/strict"
import { before, describe, it } from "node:test"
import { Effect } from "effect"
import { Store } from "./ports.ts"
import { insertWorld, sampleBundle, sampleRows, sampleWorld, storeBackends, useStore } from "./testing.ts"

/**
 * #23: vms.default_ip, which the list's IP search reads from a covering index, follows the VM's NICs however they
 * change (migration 0190's triggers), and the search still finds a VM by any NIC's address. The search reads the
 * default NIC's address from vms.default_ip only and the others' from nics: a default_ip left behind would find a VM
 * by an address it no longer has, or miss it by its new default one.
 */
for (const backend of storeBackends) {
  describe(`VM default IP on ${backend.name}`, { skip: backend.skip }, () => {
    const runStore = useStore(backend)
    const world = sampleWorld()
    const bundle = sampleBundle(world, { vm: { displayName: "ip_vm" }, nic: { primaryIp: "10.77.0.5" } })
    const second = sampleRows.nic({
      vmId: bundle.vm.id,
      subnetId: world.subnet.id,
      primaryIp: "10.78.0.9",
      isDefault: false,
      mac: "52:54:00:77:00:09",
    })
    before(() =>
      runStore(
        Effect.gen(function* () {
          yield* insertWorld(world)
          yield* Store.use((s) => s.vms.insertBundles([bundle]))
        }),
      ),
    )
    const found = async (search: string) => {
      const page = await runStore(Store.use((s) => s.vms.query({ scope: { companyId: world.company.id }, search })))
      return { names: page.rows.map((row) => row.vm.displayName), total: page.total, cpus: page.totals.cpus }
    }
    const change = (work: (store: Store["Service"]) => Effect.Effect<unknown, unknown>) =>
      runStore(Store.use((store) => work(store)).pipe(Effect.asVoid, Effect.orDie))

    it("is the default NIC's address from the VM's insert on, and the search finds the VM by it, counted once", async () => {
      assert.deepEqual(await found("10.77"), { names: ["ip_vm"], total: 1, cpus: bundle.vm.cpus })
    })

    it("stays when a second NIC comes, whose address the search also finds", async () => {
      await change((s) => s.nics.insert(second))
      assert.deepEqual((await found("10.77.0.5")).names, ["ip_vm"])
      assert.deepEqual((await found("10.78.0")).names, ["ip_vm"])
      assert.deepEqual(await found("10.7"), { names: ["ip_vm"], total: 1, cpus: bundle.vm.cpus }, "one VM, two NICs")
    })

    it("moves with the default and its address, and goes with the NIC", async () => {
      const first = bundle.nics[0]
      assert.ok(first !== undefined)
      await change((s) =>
        Effect.andThen(s.nics.update(first.id, { isDefault: false }), s.nics.update(second.id, { isDefault: true })),
      )
      assert.deepEqual((await found("10.78.0.9")).names, ["ip_vm"], "the new default")
      assert.deepEqual((await found("10.77.0.5")).names, ["ip_vm"], "the former default, now another NIC")
      await change((s) => s.nics.update(second.id, { primaryIp: "10.79.0.1" }))
      assert.deepEqual((await found("10.79.0.1")).names, ["ip_vm"], "the default's new address")
      assert.deepEqual((await found("10.78")).names, [], "not its old one")
      await change((s) => s.nics.remove(second.id))
      assert.deepEqual((await found("10.79")).names, [], "nor a removed NIC's")
      assert.deepEqual((await found("10.77")).names, ["ip_vm"], "the one left, not a default")
    })
  })
}
