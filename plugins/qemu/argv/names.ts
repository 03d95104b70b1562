import { createHash } from "node:crypto"

/**
 * QEMU names for the VM's parts, derived from the platform's ids so the driver can map QMP answers back.
 * Block node names may hold at most 31 characters and QEMU ids must start with a letter, so an id that is long
 * or unusual (a UUID, say) is replaced by a stable 12-hex-digit hash ("h" + digest).
 */
export const nameToken = (id: string) =>
  /^[A-Za-z0-9_-]{1,20}$/.test(id) ? id : `h${createHash("sha256").update(id).digest("hex").slice(0, 12)}`

export interface DiskNames {
  /** The format (qcow2/raw) node: what block jobs, snapshots and blockstats name. */
  readonly node: string
  /** The file node below it. */
  readonly fileNode: string
  /** The guest-visible device (device_del, query-block's qdev). */
  readonly device: string
  /** Disk serial the guest sees (/dev/disk/by-id/virtio-SERIAL); at most 20 characters. */
  readonly serial: string
}

export const diskNames = (diskId: string): DiskNames => {
  const token = nameToken(diskId)
  return { node: `drive-${token}`, fileNode: `drive-${token}-file`, device: `disk-${token}`, serial: token }
}

export const CDROM_NAMES: DiskNames = {
  node: "drive-cdrom0",
  fileNode: "drive-cdrom0-file",
  device: "cdrom0",
  serial: "cdrom0",
}

export const nicNames = (nicId: string) => {
  const token = nameToken(nicId)
  return { netdev: `net-${token}`, device: `nic-${token}` }
}

export const hostDeviceId = (deviceId: string) => `hostdev-${nameToken(deviceId)}`

/** Fixed ids of the devices every VM has. */
export const FIXED_IDS = {
  serialChardev: "serial0",
  qmpChardev: "qmp",
  qgaChardev: "qga0",
  virtioSerial: "virtio-serial0",
  balloon: "balloon0",
  usb: "usb0",
  tablet: "tablet0",
  video: "video0",
  scsi: "scsi0",
  sata: "sata0",
} as const
