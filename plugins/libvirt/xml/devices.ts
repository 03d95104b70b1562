import type { DeviceSpec, DiskSpec, NicSpec, VmSpec } from "../../../core/driver/spec.ts"
import { BALLOON_STATS_INTERVAL_S } from "../../qemu/argv/devices.ts"
import { nameToken } from "../../qemu/argv/names.ts"
import { CDROM_ALIAS, CDROM_TARGET, diskAlias, hostDeviceAlias, nicAlias } from "./names.ts"
import type { DomainXmlOptions } from "./options.ts"
import { el, textEl, type XmlElement } from "./xml.ts"

/** Boot order as the QEMU driver's bootindex: the system disk first, then the CD-ROM. */
export const SYSTEM_BOOT_ORDER = 1
export const CDROM_BOOT_ORDER = 2

/**
 * A disk file. The serial is the QEMU driver's (the id, or a hash of a long id), so the guest sees the same
 * /dev/disk/by-id names under both drivers; the alias carries the id back to us.
 */
export const diskElement = (disk: DiskSpec, target: string): XmlElement =>
  el(
    "disk",
    { type: "file", device: "disk" },
    el("driver", { name: "qemu", type: disk.format }),
    el("source", { file: disk.path }),
    el("target", { dev: target, bus: disk.bus }),
    disk.readonly && el("readonly"),
    textEl("serial", nameToken(disk.id)),
    disk.role === "system" && el("boot", { order: SYSTEM_BOOT_ORDER }),
    el("alias", { name: diskAlias(disk.id) }),
  )

/** The CD-ROM drive is always there, empty or holding the ISO; `virsh change-media` swaps it. */
export const cdromElement = (iso: string | null): XmlElement =>
  el(
    "disk",
    { type: "file", device: "cdrom" },
    el("driver", { name: "qemu", type: "raw" }),
    iso !== null && el("source", { file: iso }),
    el("target", { dev: CDROM_TARGET, bus: "ide" }),
    el("readonly"),
    el("boot", { order: CDROM_BOOT_ORDER }),
    el("alias", { name: CDROM_ALIAS }),
  )

/**
 * A virtio NIC. User-mode NAT is QEMU's slirp, which libvirt 9.0 runs without port forwards (the passt backend that
 * forwards ports arrived after 9.0): `domainXmlProblems` refuses forwards.
 */
export const nicElement = (nic: NicSpec): XmlElement => {
  const common = [
    el("mac", { address: nic.mac }),
    el("model", { type: "virtio" }),
    el("alias", { name: nicAlias(nic.id) }),
  ]
  const backing = nic.backing
  switch (backing.kind) {
    case "user":
      return el("interface", { type: "user" }, common)
    case "tap":
      // the platform made the tap; libvirt only opens it
      return el("interface", { type: "ethernet" }, el("target", { dev: backing.tap, managed: "no" }), common)
    case "bridge":
      return el("interface", { type: "bridge" }, el("source", { bridge: backing.bridge }), common)
  }
}

const PCI_ADDRESS = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/
export const parsePciAddress = (address: string) => {
  const match = PCI_ADDRESS.exec(address)
  return match === null
    ? undefined
    : { domain: `0x${match[1]}`, bus: `0x${match[2]}`, slot: `0x${match[3]}`, function: `0x${match[4]}` }
}

/**
 * A GPU by PCI address, which libvirt binds to vfio-pci and back (managed); a USB device by vendor and product ids
 * (libvirt 9 names a host USB device by ids or by bus and device number, never by port).
 */
export const hostDeviceElement = (device: DeviceSpec): XmlElement =>
  device.kind === "gpu"
    ? el(
        "hostdev",
        { mode: "subsystem", type: "pci", managed: "yes" },
        el("source", {}, el("address", parsePciAddress(device.hostAddress) ?? {})),
        el("alias", { name: hostDeviceAlias(device.id) }),
      )
    : el(
        "hostdev",
        { mode: "subsystem", type: "usb", managed: "yes" },
        el(
          "source",
          {},
          el("vendor", { id: `0x${device.vendorId ?? ""}` }),
          el("product", { id: `0x${device.productId ?? ""}` }),
        ),
        el("alias", { name: hostDeviceAlias(device.id) }),
      )

/**
 * COM1. Its output always goes to the log (a socket drops what is printed while no client listens); with
 * `spec.serial` it is also a unix socket, bound by libvirtd itself, so it may live in a folder QEMU cannot write.
 */
export const serialElement = (spec: VmSpec, options: DomainXmlOptions): XmlElement =>
  spec.serial
    ? el(
        "serial",
        { type: "unix" },
        el("source", { mode: "bind", path: options.serialSocket }),
        el("log", { file: options.serialLog, append: "on" }),
        el("target", { port: 0 }),
      )
    : el("serial", { type: "file" }, el("source", { path: options.serialLog, append: "on" }), el("target", { port: 0 }))

/** The guest agent's virtio-serial port; libvirt picks the socket and talks to the agent itself. */
export const agentChannelElement = (): XmlElement =>
  el("channel", { type: "unix" }, el("target", { type: "virtio", name: "org.qemu.guest_agent.0" }))

/** VGA and QEMU's VNC server without a password: the agent's console ticket guards the way in. */
export const displayElements = (options: DomainXmlOptions): ReadonlyArray<XmlElement> => [
  options.vnc.kind === "unix"
    ? el("graphics", { type: "vnc" }, el("listen", { type: "socket" }))
    : el(
        "graphics",
        { type: "vnc", port: -1, autoport: "yes", websocket: -1 },
        el("listen", { type: "address", address: options.vnc.host }),
      ),
  el("video", {}, el("model", { type: "vga", heads: 1, primary: "yes" })),
  // an absolute pointer keeps the VNC cursor in step with the guest's
  el("input", { type: "tablet", bus: "usb" }),
]

/** Memory balloon with statistics (domstats balloon.*), as the QEMU driver polls them. */
export const balloonElement = (): XmlElement =>
  el("memballoon", { model: "virtio" }, el("stats", { period: BALLOON_STATS_INTERVAL_S }))
