import type { DiskSpec, VmSpec } from "../../core/driver/spec.ts"
import type { GuestDisk } from "./state.ts"

type Files = Readonly<Record<string, string>>

/**
 * Where a disk's files appear in the guest, as `guestAgent.fileSystems` reports the mounts: a data disk at
 * /data/<id>, the system disk at the root (everything not under a data disk's mount).
 */
const mountOf = (disk: DiskSpec): string => (disk.role === "system" ? "" : `/data/${disk.id}`)

const dataMounts = (spec: VmSpec) =>
  spec.disks.filter((disk) => disk.role !== "system").map((disk) => `${mountOf(disk)}/`)

const onDisk = (spec: VmSpec, disk: DiskSpec, path: string): boolean => {
  if (disk.role !== "system") return path.startsWith(`${mountOf(disk)}/`)
  return !dataMounts(spec).some((mount) => path.startsWith(mount))
}

/** The guest files one disk holds, with paths relative to its mount point. */
export const filesOfDisk = (spec: VmSpec, guest: GuestDisk, disk: DiskSpec): Record<string, string> => {
  const mount = mountOf(disk)
  const files: Record<string, string> = {}
  for (const [path, content] of Object.entries(guest.data)) {
    if (onDisk(spec, disk, path)) files[path.slice(mount.length)] = content
  }
  return files
}

/** The guest with a disk's files in place, as when a restored disk is defined or attached. */
export const withDiskFiles = (guest: GuestDisk, disk: DiskSpec, files: Files): GuestDisk => {
  const mount = mountOf(disk)
  const placed = Object.fromEntries(Object.entries(files).map(([path, content]) => [`${mount}${path}`, content]))
  return { ...guest, data: { ...guest.data, ...placed } }
}

/** The guest without a data disk's files, once the disk is detached; the system disk's stay. */
export const withoutDiskFiles = (guest: GuestDisk, disk: DiskSpec): GuestDisk => {
  if (disk.role === "system") return guest
  const mount = `${mountOf(disk)}/`
  return { ...guest, data: Object.fromEntries(Object.entries(guest.data).filter(([path]) => !path.startsWith(mount))) }
}

/** Bytes a set of files takes, for plausible backup sizes. */
export const filesBytes = (files: Files): number =>
  Object.entries(files).reduce((sum, [path, content]) => sum + path.length + content.length, 0)
