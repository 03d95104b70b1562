import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect, Exit } from "effect"
import type { VmSpec } from "../../../core/driver/spec.ts"
import { domainXmlFor } from "./domain-xml.ts"
import type { DomainXmlOptions } from "./options.ts"
import { domainXmlProblems } from "./validate.ts"

const systemDisk = {
  id: "system",
  role: "system",
  path: "/d/sys.qcow2",
  format: "qcow2",
  bus: "virtio",
  readonly: false,
} as const
const spec: VmSpec = {
  name: "vm-1",
  uuid: "8e0c7a52-3b8f-4a53-9d8e-2f1d5c0b7a11",
  cpus: 1,
  sockets: 1,
  coresPerSocket: 1,
  memoryMiB: 128,
  boot: { kind: "disk" },
  disks: [systemDisk],
  cdrom: null,
  nics: [],
  devices: [],
  vnc: false,
  serial: true,
  guestAgent: false,
}
const options: DomainXmlOptions = {
  domainType: "qemu",
  serialSocket: "/run/hx/vm-1/serial.sock",
  serialLog: "/run/hx/vm-1/serial.log",
  vnc: { kind: "unix" },
}

describe("domainXmlProblems", () => {
  it("H3 accepts a plain spec", () => {
    assert.deepEqual(domainXmlProblems(spec, options), [])
  })

  it("H3 refuses what libvirt 9.0 cannot express: port forwards on user networking, USB devices by port only", () => {
    const problems = domainXmlProblems(
      {
        ...spec,
        nics: [
          {
            id: "n",
            mac: "52:54:00:00:00:01",
            backing: { kind: "user", hostForwards: [{ hostPort: 2222, guestPort: 22 }] },
          },
        ],
        devices: [{ id: "key", kind: "usb", hostAddress: "1-2.3" }],
      },
      options,
    )
    assert.equal(problems.length, 2)
    assert.match(problems[0] ?? "", /cannot forward host ports/)
    assert.match(problems[1] ?? "", /libvirt needs the device.s vendor and product ids/)
  })

  it("H3 refuses impossible topologies, relative paths, long socket paths and a public VNC WebSocket", () => {
    const problems = domainXmlProblems(
      { ...spec, cpus: 3, sockets: 1, coresPerSocket: 2, disks: [{ ...systemDisk, path: "sys.qcow2" }] },
      { ...options, serialSocket: `/run/${"x".repeat(120)}/serial.sock`, vnc: { kind: "websocket", host: "0.0.0.0" } },
    )
    assert.equal(problems.length, 4, problems.join("\n"))
  })

  it("H3 domainXmlFor fails as the driver's InvalidRequest naming every problem", () => {
    const exit = Effect.runSyncExit(domainXmlFor({ ...spec, boot: { kind: "disk" }, disks: [] }, options))
    assert.ok(Exit.isFailure(exit))
    const error = exit.cause.reasons[0]
    assert.ok(error !== undefined && error._tag === "Fail")
    assert.equal(error.error.reason._tag, "InvalidRequest")
    assert.match(error.error.message, /disk boot needs a system disk/)
  })
})
