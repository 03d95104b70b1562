import assert from "node:assert/strict"
import { randomBytes, randomUUID } from "node:crypto"
import { after, before, describe, it } from "node:test"
import { Effect, Layer, ManagedRuntime } from "effect"
import { authenticate } from "../../core/auth/tokens.ts"
import { HostConfig } from "../../core/config.ts"
import { Store } from "../../core/store/ports.ts"
import { storeBackends } from "../../core/store/testing.ts"
import { fakeGuestImage, type GuestImageFiles } from "./guest-image.ts"
import { type SeedOptions, seedIds, seedPlatform } from "./seed.ts"

for (const backend of storeBackends) {
  describe(`first-start seeding on ${backend.name}`, { skip: backend.skip }, () => {
    const hostId = randomUUID()
    let runtime: ManagedRuntime.ManagedRuntime<Store | HostConfig, unknown> | undefined
    before(() => {
      const host = HostConfig.of({
        hostId,
        storageDir: "/tmp/disks",
        shutdownTimeoutMs: 1000,
        secretKey: randomBytes(32),
      })
      runtime = ManagedRuntime.make(Layer.merge(backend.layer(), Layer.succeed(HostConfig, host)))
    })
    after(() => runtime?.dispose())
    const run = <A, E>(effect: Effect.Effect<A, E, Store | HostConfig>) =>
      (runtime as ManagedRuntime.ManagedRuntime<Store | HostConfig, unknown>).runPromise(effect)
    let builds = 0
    let present = true
    const options = (overrides: Partial<SeedOptions> = {}): SeedOptions => ({
      host: { name: "node-1", address: "http://127.0.0.1:8080", driver: "qemu", cpus: 8, memoryMiB: 16384 },
      guestImage: Effect.sync((): GuestImageFiles => {
        builds++
        return { ...fakeGuestImage("/images"), version: `v${builds}`, kernelRelease: "6.1" }
      }),
      imageFilesMatter: true,
      filesExist: () => present,
      ...overrides,
    })

    it("the first start seeds the host, flavors, the image, a network, a demo organisation and a superadmin token", async () => {
      const report = await run(seedPlatform(options()))
      assert.equal(report.added.length, 6, report.added.join("\n"))
      assert.equal(builds, 1)
      const token = report.superadminToken ?? ""
      const actor = await run(authenticate(token))
      assert.equal(actor.role, "superadmin")
      assert.equal(actor.departmentId, seedIds.department)
      const host = await run(Store.use((s) => s.hosts.get(hostId)))
      assert.deepEqual([host.cpus, host.memoryMiB, host.driver, host.state], [8, 16384, "qemu", "up"])
      const flavors = await run(Store.use((s) => s.flavors.list()))
      assert.deepEqual(flavors.map((f) => f.id).sort(), ["large", "medium", "small", "tiny"])
      const image = await run(Store.use((s) => s.images.get(seedIds.image)))
      assert.deepEqual(
        [image.boot.kind, image.location, image.minDiskGiB, image.passwordManaged],
        ["kernel", "/images/tiny-linux-fake/system.qcow2", 1, true],
      )
      const subnets = await run(Store.use((s) => s.subnets.list({ networkId: seedIds.network })))
      assert.deepEqual(
        subnets.map((s) => s.cidr),
        ["10.0.2.0/24"],
      )
    })

    it("a second start adds nothing and prints no token, but brings the host's row up to date", async () => {
      const report = await run(
        seedPlatform(
          options({ host: { name: "node-1", address: "http://h:9", driver: "fake", cpus: 4, memoryMiB: 8 } }),
        ),
      )
      assert.deepEqual(report, { added: [], superadminToken: undefined })
      assert.equal(builds, 1)
      const host = await run(Store.use((s) => s.hosts.get(hostId)))
      assert.deepEqual([host.cpus, host.memoryMiB, host.driver, host.address], [4, 8, "fake", "http://h:9"])
      assert.equal((await run(Store.use((s) => s.users.list({ role: "superadmin" })))).length, 1)
    })

    it("an image whose files are gone is made again; the fake driver never asks for files", async () => {
      await run(seedPlatform(options({ imageFilesMatter: false, filesExist: () => false })))
      assert.equal(builds, 1)
      present = false
      const report = await run(seedPlatform(options()))
      assert.equal(builds, 2)
      assert.deepEqual(report.added, ["image tiny-linux: files made again (v2)"])
    })
  })
}
