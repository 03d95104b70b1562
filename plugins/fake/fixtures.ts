import { randomUUID } from "node:crypto"
import type { VmSpec } from "../../core/driver/spec.ts"

/** A small, valid VmSpec (2 cpus, 512 MiB, one system disk, every console and the guest agent) for tests. */
export const sampleVmSpec = (name: string, overrides: Partial<VmSpec> = {}): VmSpec => ({
  name,
  uuid: randomUUID(),
  cpus: 2,
  sockets: 1,
  coresPerSocket: 2,
  memoryMiB: 512,
  boot: { kind: "disk" },
  disks: [
    {
      id: "sys",
      role: "system",
      path: `/var/lib/hyperx/${name}/system.qcow2`,
      format: "qcow2",
      bus: "virtio",
      readonly: false,
    },
  ],
  cdrom: null,
  nics: [{ id: "nic0", mac: "52:54:00:00:00:01", backing: { kind: "user", hostForwards: [] } }],
  devices: [],
  vnc: true,
  serial: true,
  guestAgent: true,
  ...overrides,
})
