import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import type { DiskSpec, NicSpec } from "../../core/driver/spec.ts"
import { defined, expectFailure, withFake } from "./test-support.ts"

const dataDisk: DiskSpec = {
  id: "data-1",
  role: "data",
  path: "/var/lib/hyperx/vm/data-1.qcow2",
  format: "qcow2",
  bus: "virtio",
  readonly: false,
}
const secondNic: NicSpec = { id: "nic1", mac: "52:54:00:00:00:02", backing: { kind: "bridge", bridge: "br0" } }

describe("fake driver: disks", () => {
  it("V1 V2 attaches a disk to a running domain's spec; attaching it again is a no-op", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        yield* fake.driver.disks.attach("vm", dataDisk)
        yield* fake.driver.disks.attach("vm", { ...dataDisk })
        assert.deepEqual(
          (yield* fake.simulate.spec("vm")).disks.map((d) => d.id),
          ["sys", "data-1"],
        )
      }),
    ))

  it("V1 refuses a different disk under a taken id, a path attached twice, a malformed disk", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const disks = fake.driver.disks
        assert.ok(disks)
        yield* defined(fake, "vm")
        yield* disks.attach("vm", dataDisk)
        yield* expectFailure(disks.attach("vm", { ...dataDisk, bus: "sata" }), "InvalidRequest", "disks.attach")
        yield* expectFailure(disks.attach("vm", { ...dataDisk, id: "data-2" }), "InvalidRequest")
        yield* expectFailure(
          disks.attach("vm", { ...dataDisk, id: "x", path: "/x", bus: "ide" as "sata" }),
          "InvalidRequest",
        )
        assert.equal((yield* fake.simulate.spec("vm")).disks.length, 2)
      }),
    ))

  it("V3 detaches a disk; detaching an absent one is a no-op", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm", { running: true })
        yield* fake.driver.disks.attach("vm", dataDisk)
        yield* fake.driver.disks.detach("vm", "data-1")
        yield* fake.driver.disks.detach("vm", "data-1")
        assert.deepEqual(
          (yield* fake.simulate.spec("vm")).disks.map((d) => d.id),
          ["sys"],
        )
      }),
    ))

  it("fails disk, nic and media calls on an unknown domain with DomainNotFound", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const { disks, nics, media } = fake.driver
        assert.ok(disks && nics && media)
        yield* expectFailure(disks.attach("ghost", dataDisk), "DomainNotFound", "disks.attach")
        yield* expectFailure(disks.detach("ghost", "data-1"), "DomainNotFound", "disks.detach")
        yield* expectFailure(nics.attach("ghost", secondNic), "DomainNotFound", "nics.attach")
        yield* expectFailure(nics.detach("ghost", "nic1"), "DomainNotFound", "nics.detach")
        yield* expectFailure(media.insert("ghost", "/isos/a.iso"), "DomainNotFound", "media.insert")
        yield* expectFailure(media.eject("ghost"), "DomainNotFound", "media.eject")
      }),
    ))
})

describe("fake driver: nics and media", () => {
  it("N1 N6 attaches and detaches a nic; a mac already in use is refused", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const nics = fake.driver.nics
        assert.ok(nics)
        yield* defined(fake, "vm", { running: true })
        yield* nics.attach("vm", secondNic)
        yield* nics.attach("vm", secondNic)
        yield* expectFailure(nics.attach("vm", { ...secondNic, id: "nic2" }), "InvalidRequest", "nics.attach")
        assert.deepEqual(
          (yield* fake.simulate.spec("vm")).nics.map((n) => n.id),
          ["nic0", "nic1"],
        )
        yield* nics.detach("vm", "nic1")
        yield* nics.detach("vm", "nic1")
        assert.deepEqual(
          (yield* fake.simulate.spec("vm")).nics.map((n) => n.id),
          ["nic0"],
        )
      }),
    ))

  it("X3 inserts, swaps and ejects an ISO", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const media = fake.driver.media
        assert.ok(media)
        yield* defined(fake, "vm", { running: true })
        yield* media.insert("vm", "/isos/a.iso")
        yield* media.insert("vm", "/isos/b.iso")
        assert.equal((yield* fake.simulate.spec("vm")).cdrom, "/isos/b.iso")
        yield* media.eject("vm")
        yield* media.eject("vm")
        assert.equal((yield* fake.simulate.spec("vm")).cdrom, null)
        yield* expectFailure(media.insert("vm", ""), "InvalidRequest", "media.insert")
      }),
    ))
})

describe("fake driver: volumes", () => {
  const overlay = {
    path: "/var/lib/hyperx/vm/system.qcow2",
    format: "qcow2",
    sizeGiB: 20,
    backingPath: "/images/alpine.qcow2",
    backingFormat: "qcow2",
  } as const

  it("creates a volume; creating the same again is a no-op, a different one at that path is refused", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* fake.driver.volumes.create(overlay)
        yield* fake.driver.volumes.create({ ...overlay })
        yield* expectFailure(
          fake.driver.volumes.create({ ...overlay, sizeGiB: 40 }),
          "InvalidRequest",
          "volumes.create",
        )
        yield* fake.driver.volumes.create({ path: "/var/lib/hyperx/vm/data.raw", format: "raw", sizeGiB: 1 })
        assert.deepEqual(yield* fake.simulate.volumes(), [
          { path: "/var/lib/hyperx/vm/data.raw", format: "raw", sizeGiB: 1 },
          overlay,
        ])
      }),
    ))

  it("refuses a malformed volume", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* expectFailure(fake.driver.volumes.create({ ...overlay, sizeGiB: 0 }), "InvalidRequest")
        yield* expectFailure(fake.driver.volumes.create({ ...overlay, path: "" }), "InvalidRequest")
        yield* expectFailure(fake.driver.volumes.create({ ...overlay, backingPath: overlay.path }), "InvalidRequest")
        assert.deepEqual(yield* fake.simulate.volumes(), [])
      }),
    ))

  it("B4 removes a volume no domain uses; removing a missing one is a no-op", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* fake.driver.volumes.create(overlay)
        yield* defined(fake, "vm")
        yield* expectFailure(fake.driver.volumes.remove(overlay.path), "InvalidRequest", "volumes.remove")
        yield* fake.driver.undefine("vm")
        yield* fake.driver.volumes.remove(overlay.path)
        yield* fake.driver.volumes.remove(overlay.path)
        assert.deepEqual(yield* fake.simulate.volumes(), [])
      }),
    ))
})
