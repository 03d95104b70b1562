import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import type { VmSpec } from "../../../core/driver/spec.ts"
import { argvFor, buildArgv } from "./build-argv.ts"
import { diskNames } from "./names.ts"
import type { QemuRuntime } from "./runtime.ts"
import { argvProblems } from "./validate.ts"

const spec: VmSpec = {
  name: "vm-1",
  uuid: "8e0c7a52-3b8f-4a53-9d8e-2f1d5c0b7a11",
  cpus: 2,
  sockets: 1,
  coresPerSocket: 2,
  memoryMiB: 256,
  boot: { kind: "disk" },
  disks: [{ id: "sys", role: "system", path: "/d/sys.qcow2", format: "qcow2", bus: "virtio", readonly: false }],
  cdrom: null,
  nics: [{ id: "eth0", mac: "52:54:00:12:34:56", backing: { kind: "user", hostForwards: [] } }],
  devices: [],
  vnc: false,
  serial: true,
  guestAgent: true,
}
const runtime: QemuRuntime = { runDir: "/run/hyperx/vm-1", accel: "tcg", vnc: { kind: "unix" } }

describe("argv names and checks", () => {
  it("H2 a UUID disk id gets a stable QEMU node name within the 31-character limit", () => {
    const id = "3f6c2a9e-8b1d-4c47-a2e5-91d0b6f4c3aa"
    const names = diskNames(id)
    assert.deepEqual(diskNames(id), names)
    assert.ok(names.fileNode.length <= 31, names.fileNode)
    assert.match(names.node, /^[A-Za-z][A-Za-z0-9_-]*$/)
    assert.ok(names.serial.length <= 20)
    assert.notEqual(diskNames(`${id}x`).node, names.node)
  })

  it("H2 a sound spec has no problems and argvFor gives buildArgv's answer", async () => {
    assert.deepEqual(argvProblems(spec, runtime), [])
    assert.deepEqual(await Effect.runPromise(argvFor(spec, runtime)), buildArgv(spec, runtime))
  })

  it("H2 specs QEMU would refuse are reported, one sentence each", () => {
    const bad: VmSpec = {
      ...spec,
      cpus: 3,
      boot: { kind: "disk" },
      disks: [
        { id: "a", role: "data", path: "/d/a.raw", format: "raw", bus: "sata", readonly: true },
        { id: "a", role: "data", path: "relative.qcow2", format: "qcow2", bus: "virtio", readonly: false },
      ],
      nics: [{ id: "eth0", mac: "52-54-00-12-34-56", backing: { kind: "user", hostForwards: [] } }],
      devices: [
        { id: "g", kind: "gpu", hostAddress: "01:00.0" },
        { id: "u", kind: "usb", hostAddress: "usb1" },
      ],
    }
    const problems = argvProblems(bad, {
      ...runtime,
      runDir: `/run/${"x".repeat(120)}`,
      accel: "kvm",
      tcgTbSizeMiB: 16,
      vnc: { kind: "websocket", host: "0.0.0.0", port: 5700 },
    })
    for (const expected of [
      /3 vCPUs do not fit/,
      /disk boot needs a system disk/,
      /two disks share/,
      /SATA disk cannot be read-only/,
      /path must be absolute/,
      /bad MAC/,
      /gpu g: bad host address/,
      /usb u: bad host address/,
      /too long for a unix socket/,
      /must listen on loopback/,
      /tcgTbSizeMiB needs accel tcg/,
    ]) {
      assert.ok(
        problems.some((problem) => expected.test(problem)),
        `${expected} not in ${JSON.stringify(problems)}`,
      )
    }
  })

  it("H2 argvFor refuses a bad spec with the driver's InvalidRequest error", async () => {
    const error = await Effect.runPromise(Effect.flip(argvFor({ ...spec, disks: [] }, runtime)))
    assert.equal(error._tag, "DriverError")
    assert.equal(error.reason._tag, "InvalidRequest")
    assert.equal(error.isRetryable, false)
    assert.match(error.message, /disk boot needs a system disk/)
  })
})
