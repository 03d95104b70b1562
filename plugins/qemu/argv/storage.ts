import type { DiskSpec, VmSpec } from "../../../core/driver/spec.ts"
import { CDROM_NAMES, type DiskNames, diskNames, FIXED_IDS } from "./names.ts"
import { keyValues, type QemuOption } from "./options.ts"

/** Disks in guest order: the system disk first. virtio disks become /dev/vda, /dev/vdb, … in this order. */
export const orderedDisks = (spec: VmSpec): ReadonlyArray<DiskSpec> => [
  ...spec.disks.filter((disk) => disk.role === "system"),
  ...spec.disks.filter((disk) => disk.role !== "system"),
]

/**
 * A file node and a format node above it. A qcow2 overlay opens its own backing chain from its header, so
 * linked clones need nothing here.
 */
const blockdevs = (names: DiskNames, path: string, format: string, readOnly: boolean): ReadonlyArray<QemuOption> => [
  ["-blockdev", JSON.stringify({ driver: "file", filename: path, "node-name": names.fileNode, "read-only": readOnly })],
  [
    "-blockdev",
    JSON.stringify({ driver: format, "node-name": names.node, file: names.fileNode, "read-only": readOnly }),
  ],
]

const SYSTEM_BOOT_INDEX = 1
const CDROM_BOOT_INDEX = 2

const diskDevice = (disk: DiskSpec, names: DiskNames, sataPort: number): QemuOption => {
  const common = [
    ["drive", names.node],
    ["id", names.device],
    ["serial", names.serial],
    ["bootindex", disk.role === "system" ? SYSTEM_BOOT_INDEX : undefined],
  ] as const
  switch (disk.bus) {
    case "virtio":
      return ["-device", keyValues("virtio-blk-pci", common)]
    case "scsi":
      return ["-device", keyValues("scsi-hd", [["bus", `${FIXED_IDS.scsi}.0`], ...common])]
    case "sata":
      return ["-device", keyValues("ide-hd", [["bus", `${FIXED_IDS.sata}.${sataPort}`], ...common])]
  }
}

/** Controllers the disks need, then each disk's nodes and device. */
export const diskOptions = (spec: VmSpec): ReadonlyArray<QemuOption> => {
  const disks = orderedDisks(spec)
  const controllers: Array<QemuOption> = []
  if (disks.some((disk) => disk.bus === "scsi")) {
    controllers.push(["-device", keyValues("virtio-scsi-pci", [["id", FIXED_IDS.scsi]])])
  }
  if (disks.some((disk) => disk.bus === "sata")) {
    controllers.push(["-device", keyValues("ich9-ahci", [["id", FIXED_IDS.sata]])])
  }
  let sataPort = 0
  const perDisk = disks.flatMap((disk) => {
    const names = diskNames(disk.id)
    const device = diskDevice(disk, names, sataPort)
    if (disk.bus === "sata") sataPort++
    return [...blockdevs(names, disk.path, disk.format, disk.readonly), device]
  })
  return [...controllers, ...perDisk]
}

/** The CD-ROM drive is always there (secondary IDE master), empty or holding the ISO; media change by QMP. */
export const cdromOptions = (spec: VmSpec): ReadonlyArray<QemuOption> => [
  ...(spec.cdrom === null ? [] : blockdevs(CDROM_NAMES, spec.cdrom, "raw", true)),
  [
    "-device",
    keyValues("ide-cd", [
      ["bus", "ide.1"],
      ["unit", 0],
      ["drive", spec.cdrom === null ? undefined : CDROM_NAMES.node],
      ["id", CDROM_NAMES.device],
      ["bootindex", CDROM_BOOT_INDEX],
    ]),
  ],
]

/** The most SATA disks one AHCI controller takes. */
export const MAX_SATA_DISKS = 6
