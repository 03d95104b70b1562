import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { useCore } from "../../test-support/core.ts"
import { keyringOf } from "../auth/sealing-keys.ts"
import { openSecret } from "../auth/secrets.ts"
import { RuleViolation } from "../errors.ts"
import type { VmCreateRequest } from "../model/vm.ts"
import { Store } from "../store/ports.ts"
import { storeBackends } from "../store/testing.ts"
import { createVms } from "./create.ts"
import { quoteCreate } from "./quote.ts"

const store = <A, E>(f: (s: Store["Service"]) => Effect.Effect<A, E>) => Store.use(f)

for (const backend of storeBackends) {
  describe(`create VMs on ${backend.name}`, { skip: backend.skip }, () => {
    const core = useCore(backend)
    const request = (overrides: Partial<VmCreateRequest> = {}): VmCreateRequest => ({
      count: 1,
      name: "web_01",
      imageId: core.world.image.id,
      flavorId: core.world.flavor.id,
      ...overrides,
    })
    const createAll = async (actor: typeof core.world.actors.owner, req: VmCreateRequest) => {
      const handles = await core.run(createVms(actor, req))
      return Promise.all(handles.map((h) => core.run(h.done)))
    }
    const vmOf = (id: string | null) => core.run(store((s) => s.vms.get(id ?? "")))

    it("C1 one VM keeps its name, passes validating and runs; its system disk is an overlay of the image", async () => {
      const recorder = await core.record()
      const [task] = await createAll(core.world.actors.owner, request({ name: "订单服务_1", remarks: "orders" }))
      recorder.stop()
      assert.equal(task?.state, "succeeded")
      const vm = await vmOf(task?.vmId ?? null)
      assert.equal(vm.displayName, "订单服务_1")
      assert.equal(vm.remarks, "orders")
      assert.equal(vm.state, "running")
      assert.equal(vm.hostId, core.world.host.id)
      assert.equal(vm.zone, core.world.host.zone)
      const moves = recorder.events.flatMap((e) => (e._tag === "vm-state" && e.vmId === vm.id ? [e.to] : []))
      assert.deepEqual(moves, ["running"], "validating → running, the manual's 资源验证 until the first run")
      const disks = await core.run(store((s) => s.disks.list({ vmId: vm.id })))
      assert.equal(disks.length, 1)
      const volumes = await core.run(core.fake.simulate.volumes())
      const system = volumes.find((v) => v.path === disks[0]?.path)
      assert.equal(system?.backingPath, core.world.image.location)
      assert.equal((await core.run(core.fake.driver.inspect(vm.hostname))).power, "running")
    })

    it("C1 a batch is named from its tags with the company number, and the sequence continues", async () => {
      const tags = { "app-group": "shop", "app-role": "api", "app-type": "prod" }
      const first = await createAll(
        core.world.actors.owner,
        request({ count: 3, name: undefined, tags, start: false } as never),
      )
      const names = await Promise.all(first.map(async (t) => (await vmOf(t.vmId)).displayName))
      assert.deepEqual(names.sort(), ["shop-api01prod-07", "shop-api02prod-07", "shop-api03prod-07"])
      const [next] = await createAll(
        core.world.actors.owner,
        request({ count: 1, name: undefined, tags, start: false } as never),
      )
      assert.equal((await vmOf(next?.vmId ?? null)).displayName, "shop-api04prod-07")
    })

    it("C1 name-format: a one-character name is refused and nothing is created", async () => {
      const before = await core.run(store((s) => s.vms.list({})))
      const error = await core.run(Effect.flip(createVms(core.world.actors.owner, request({ name: "x" }))))
      assert.ok(error instanceof RuleViolation)
      assert.equal(error.rule, "name-format")
      assert.equal((await core.run(store((s) => s.vms.list({})))).length, before.length)
    })

    it("C4 sockets auto: 16 CPUs become 2 sockets × 8 cores; C5 HA is on by default", async () => {
      const big = await core.run(
        store((s) =>
          s.flavors.insert({
            id: randomUUID(),
            name: "big",
            cpus: 16,
            memoryMiB: 256,
            gpuAllowed: false,
            perDay: 900,
            createdAt: new Date(),
          }),
        ),
      )
      const [task] = await createAll(core.world.actors.owner, request({ flavorId: big.id, start: false }))
      const vm = await vmOf(task?.vmId ?? null)
      assert.deepEqual([vm.cpus, vm.sockets, vm.coresPerSocket], [16, 2, 8])
      assert.equal(vm.haEnabled, true)
      assert.equal(vm.state, "stopped")
      assert.equal((await core.run(core.fake.driver.inspect(vm.hostname))).power, "stopped")
    })

    it("C8 a batch over the department's quota is refused whole: quota-vm-count, no VM inserted", async () => {
      const department = core.world.departments[1]
      await core.run(
        store((s) =>
          s.quotas.set({ departmentId: department.id, cpus: null, memoryMiB: null, diskGiB: null, vmCount: 2 }),
        ),
      )
      const tags = { "app-group": "crm", "app-role": "db", "app-type": "test" }
      const error = await core.run(
        Effect.flip(createVms(core.world.actors.outsider, request({ count: 3, name: undefined, tags } as never))),
      )
      assert.ok(error instanceof RuleViolation)
      assert.equal(error.rule, "quota-vm-count")
      assert.match(error.messageZh, /配额/)
      const made = await core.run(store((s) => s.vms.list({ departmentId: department.id })))
      assert.equal(made.length, 0)
    })

    it("C7 the quote shows the department's remaining quota and the daily price", async () => {
      const department = core.world.departments[0]
      await core.run(
        store((s) =>
          s.quotas.set({ departmentId: department.id, cpus: 64, memoryMiB: null, diskGiB: null, vmCount: null }),
        ),
      )
      await core.run(
        store((s) => s.prices.insert({ id: randomUUID(), item: "disk-gib", variant: "standard", perDay: 3 })),
      )
      const usage = await core.run(store((s) => s.quotas.usage(department.id)))
      const quote = await core.run(
        quoteCreate({
          departmentId: department.id,
          flavor: core.world.flavor,
          image: core.world.image,
          disks: [{ sizeGiB: 10 }],
          count: 2,
        }),
      )
      assert.equal(quote.remaining.cpus, 64 - usage.cpus)
      assert.equal(quote.remaining.memoryMiB, null)
      assert.equal(quote.perVmPerDay, core.world.flavor.perDay + core.world.image.perDay + 30)
      assert.equal(quote.totalPerDay, quote.perVmPerDay * 2)
    })

    it("C3 the password is stored encrypted, never in plain text, and decrypts to what was given", async () => {
      const [task] = await createAll(core.world.actors.owner, request({ password: "Secret123!", start: false }))
      const vm = await vmOf(task?.vmId ?? null)
      assert.ok(vm.passwordCipher)
      assert.ok(!vm.passwordCipher.includes("Secret123!"))
      assert.equal(await Effect.runPromise(openSecret(keyringOf(core.host), vm.passwordCipher)), "Secret123!")
    })

    it("G4 a hypervisor failure while provisioning leaves the VM in error with the reason on its task", async () => {
      await core.run(core.fake.faults.failNext("volumes.create", 1))
      const [task] = await createAll(core.world.actors.owner, request())
      assert.equal(task?.state, "failed")
      assert.equal(task?.error?.code, "hypervisor-error")
      const vm = await vmOf(task?.vmId ?? null)
      assert.equal(vm.state, "error")
      assert.notEqual(vm.stateReason, "")
    })
  })
}
