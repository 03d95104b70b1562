import { randomBytes, randomUUID } from "node:crypto"
import type { Capability } from "../core/driver/capabilities.ts"
import type { DiskSpec, NicSpec, VmSpec } from "../core/driver/spec.ts"
import type { ResolvedConfig } from "./config.ts"

/** A locally administered MAC in QEMU's range. */
export const randomMac = (): string =>
  ["52", "54", "00", ...[...randomBytes(3)].map((byte) => byte.toString(16).padStart(2, "0"))].join(":")

export const systemDiskId = "system"

/** The spec of a test VM: one vCPU, the configured boot source, memory and NIC, the consoles the driver declares. */
export const testVmSpec = (
  config: ResolvedConfig,
  name: string,
  systemDiskPath: string,
  has: (capability: Capability) => boolean,
): VmSpec => {
  const system: DiskSpec = {
    id: systemDiskId,
    role: "system",
    path: systemDiskPath,
    format: "qcow2",
    bus: "virtio",
    readonly: false,
  }
  const nics: Array<NicSpec> = config.nic === null ? [] : [{ id: "nic0", mac: randomMac(), backing: config.nic }]
  return config.adjustSpec({
    name,
    uuid: randomUUID(),
    cpus: 1,
    sockets: 1,
    coresPerSocket: 1,
    memoryMiB: config.memoryMiB,
    boot: config.boot,
    disks: [system],
    cdrom: null,
    nics,
    devices: [],
    vnc: has("vncConsole"),
    serial: has("serialConsole"),
    guestAgent: has("guestAgent"),
  })
}
