import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Effect } from "effect"
import type { DiskSpec } from "../../core/driver/spec.ts"
import { sampleVmSpec } from "./fixtures.ts"
import { defined, expectFailure, withFake } from "./test-support.ts"

const dir = mkdtempSync(join(tmpdir(), "hyperx-fake-backups-"))
after(() => rmSync(dir, { recursive: true, force: true }))

const full = "/backups/sys/1.qcow2"
const increment = "/backups/sys/2.qcow2"

describe("fake driver: disk backups", () => {
  it("V4 a full backup copies the disk's files; an increment holds only what changed, backed by the previous one", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const backups = fake.driver.backups
        yield* defined(fake, "vm", { running: true })
        yield* fake.simulate.writeGuest("vm", "/etc/a", "1")
        yield* fake.simulate.writeGuest("vm", "/etc/b", "2")
        const first = yield* backups.full("vm", "sys", full, { chain: "c1" })
        yield* fake.simulate.writeGuest("vm", "/etc/b", "3")
        yield* fake.simulate.writeGuest("vm", "/etc/c", "4")
        const second = yield* backups.incremental("vm", "sys", increment, { chain: "c1", previous: full })
        const files = (yield* fake.simulate.volumes()).find((v) => v.path === increment)
        assert.deepEqual(files?.files, { "/etc/b": "3", "/etc/c": "4" })
        assert.equal(files?.backingPath, full)
        assert.deepEqual(yield* fake.simulate.readVolume(full), { "/etc/a": "1", "/etc/b": "2" })
        assert.deepEqual(yield* fake.simulate.readVolume(increment), { "/etc/a": "1", "/etc/b": "3", "/etc/c": "4" })
        assert.ok(first.sizeBytes > 0 && second.sizeBytes > 0)
      }),
    ))

  it("V4 an increment records files deleted since the chain's last backup", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        yield* defined(fake, "vm")
        yield* fake.simulate.writeGuest("vm", "/keep", "k")
        yield* fake.driver.snapshots.create("vm", "before-x", { withMemory: false })
        yield* fake.simulate.writeGuest("vm", "/x", "gone later")
        yield* fake.driver.backups.full("vm", "sys", full, { chain: "c1" })
        yield* fake.driver.snapshots.revert("vm", "before-x")
        yield* fake.driver.backups.incremental("vm", "sys", increment, { chain: "c1", previous: full })
        assert.deepEqual(yield* fake.simulate.readVolume(increment), { "/keep": "k" })
      }),
    ))

  it("V4 an increment is refused for an unknown or dropped chain, or one that does not end at `previous`", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const backups = fake.driver.backups
        yield* defined(fake, "vm", { running: true })
        yield* expectFailure(
          backups.incremental("vm", "sys", increment, { chain: "none", previous: full }),
          "InvalidRequest",
          "backups.incremental",
        )
        yield* backups.full("vm", "sys", full, { chain: "c1" })
        yield* backups.incremental("vm", "sys", increment, { chain: "c1", previous: full })
        yield* expectFailure(
          backups.incremental("vm", "sys", "/backups/sys/3.qcow2", { chain: "c1", previous: full }),
          "InvalidRequest",
        )
        yield* expectFailure(backups.full("vm", "sys", full, { chain: "c2" }), "InvalidRequest")
        yield* expectFailure(backups.full("vm", "nope", "/backups/x.qcow2", { chain: "c2" }), "InvalidRequest")
        yield* backups.dropChain("vm", "sys", "c1")
        yield* backups.dropChain("vm", "sys", "c1")
        yield* expectFailure(
          backups.incremental("vm", "sys", "/backups/sys/3.qcow2", { chain: "c1", previous: increment }),
          "InvalidRequest",
        )
        yield* expectFailure(backups.full("ghost", "sys", "/backups/g.qcow2", { chain: "c" }), "DomainNotFound")
      }),
    ))

  it("V4 a data disk's backup holds only the files under its mount point", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const data: DiskSpec = {
          id: "d1",
          role: "data",
          path: "/v/d1.qcow2",
          format: "qcow2",
          bus: "virtio",
          readonly: false,
        }
        const spec = sampleVmSpec("vm")
        yield* fake.driver.define({ ...spec, disks: [...spec.disks, data] })
        yield* fake.simulate.writeGuest("vm", "/etc/motd", "system")
        yield* fake.simulate.writeGuest("vm", "/data/d1/db", "rows")
        yield* fake.driver.backups.full("vm", "d1", "/backups/d1.qcow2", { chain: "c" })
        yield* fake.driver.backups.full("vm", "sys", "/backups/sys.qcow2", { chain: "c" })
        assert.deepEqual(yield* fake.simulate.readVolume("/backups/d1.qcow2"), { "/db": "rows" })
        assert.deepEqual(yield* fake.simulate.readVolume("/backups/sys.qcow2"), { "/etc/motd": "system" })
      }),
    ))

  it("V4 restore writes a chain into a standalone volume; a domain that attaches it reads the files", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const backups = fake.driver.backups
        yield* defined(fake, "vm", { running: true })
        yield* fake.simulate.writeGuest("vm", "/etc/a", "1")
        yield* backups.full("vm", "sys", full, { chain: "c1" })
        yield* fake.simulate.writeGuest("vm", "/etc/a", "2")
        yield* backups.incremental("vm", "sys", increment, { chain: "c1", previous: full })
        const restored = { path: "/disks/restored.qcow2", format: "qcow2", sizeGiB: 1 } as const
        yield* backups.restore(increment, restored)
        yield* expectFailure(backups.restore(increment, restored), "InvalidRequest", "backups.restore")
        yield* fake.driver.volumes.remove(full)
        const volume = (yield* fake.simulate.volumes()).find((v) => v.path === restored.path)
        assert.equal(volume?.backingPath, undefined)
        assert.deepEqual(yield* fake.simulate.readVolume(restored.path), { "/etc/a": "2" })
        yield* expectFailure(backups.restore(increment, { ...restored, path: "/disks/other.qcow2" }), "InvalidRequest")
        yield* expectFailure(fake.simulate.readVolume(increment), "InvalidRequest")

        yield* defined(fake, "other", { running: true })
        const disk: DiskSpec = {
          id: "r1",
          role: "data",
          path: restored.path,
          format: "qcow2",
          bus: "virtio",
          readonly: false,
        }
        yield* fake.driver.disks.attach("other", disk)
        assert.equal(yield* fake.simulate.readGuest("other", "/data/r1/etc/a"), "2")
        yield* fake.driver.disks.detach("other", "r1")
        assert.equal(yield* fake.simulate.readGuest("other", "/data/r1/etc/a"), undefined)
      }),
    ))

  it("V4 a chain's bitmap lives with the hypervisor: a new instance continues it (stateFile)", async () => {
    const stateFile = join(dir, "bitmaps.json")
    await withFake(
      (fake) =>
        Effect.gen(function* () {
          yield* defined(fake, "vm")
          yield* fake.simulate.writeGuest("vm", "/f", "1")
          yield* fake.driver.backups.full("vm", "sys", full, { chain: "c1" })
        }),
      { stateFile },
    )
    await withFake(
      (fake) =>
        Effect.gen(function* () {
          yield* fake.simulate.writeGuest("vm", "/g", "2")
          yield* fake.driver.backups.incremental("vm", "sys", increment, { chain: "c1", previous: full })
          assert.deepEqual(yield* fake.simulate.readVolume(increment), { "/f": "1", "/g": "2" })
        }),
      { stateFile },
    )
  })
})
