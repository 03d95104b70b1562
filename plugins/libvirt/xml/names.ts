/**
 * libvirt names for the VM's parts. Devices carry user aliases ("ua-" + our id), so the live domain XML maps libvirt's
 * targets (vda, sdb, …) back to the platform's disk and NIC ids without any state of our own. libvirt accepts only
 * [A-Za-z0-9_-] after "ua-": an id made of letters, digits and "-" is used as it is; any other id is written as "_"
 * followed by the hex of its UTF-8 bytes, which still decodes back to the id.
 */
const PLAIN_ID = /^[A-Za-z0-9-]+$/

export const encodeId = (id: string) => (PLAIN_ID.test(id) ? id : `_${Buffer.from(id, "utf8").toString("hex")}`)

export const decodeId = (token: string) =>
  token.startsWith("_") ? Buffer.from(token.slice(1), "hex").toString("utf8") : token

const DISK_PREFIX = "ua-disk-"
const NIC_PREFIX = "ua-nic-"
const HOSTDEV_PREFIX = "ua-dev-"

export const diskAlias = (diskId: string) => `${DISK_PREFIX}${encodeId(diskId)}`
export const nicAlias = (nicId: string) => `${NIC_PREFIX}${encodeId(nicId)}`
export const hostDeviceAlias = (deviceId: string) => `${HOSTDEV_PREFIX}${encodeId(deviceId)}`
/** The CD-ROM drive every VM has, on the secondary IDE channel like the QEMU driver's. */
export const CDROM_ALIAS = "ua-cdrom0"
export const CDROM_TARGET = "hdc"

const fromAlias = (prefix: string) => (alias: string) =>
  alias.startsWith(prefix) ? decodeId(alias.slice(prefix.length)) : undefined

/** The platform's disk id behind a libvirt alias, or undefined for devices that are not our disks. */
export const diskIdOf = fromAlias(DISK_PREFIX)
export const nicIdOf = fromAlias(NIC_PREFIX)

/** Target device names by bus: virtio → vda…, SCSI and SATA share sda…, as libvirt requires. */
export const targetPrefix = (bus: "virtio" | "scsi" | "sata") => (bus === "virtio" ? "vd" : "sd")

/** vda, vdb, …, vdz, vdaa, … (libvirt's own scheme). */
export const targetName = (prefix: string, index: number): string => {
  let name = ""
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(97 + ((n - 1) % 26)) + name
  return `${prefix}${name}`
}

/** The first target with `prefix` that none of `taken` uses. */
export const freeTarget = (prefix: string, taken: ReadonlyArray<string>) => {
  for (let index = 0; ; index++) {
    const candidate = targetName(prefix, index)
    if (!taken.includes(candidate)) return candidate
  }
}
