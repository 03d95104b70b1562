import { isAbsolute } from "node:path"
import type { VmSpec } from "../../../core/driver/spec.ts"
import { MAX_SATA_DISKS } from "../../qemu/argv/storage.ts"
import { parsePciAddress } from "./devices.ts"
import { diskAlias, nicAlias } from "./names.ts"
import type { DomainXmlOptions } from "./options.ts"

/** sockaddr_un holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/
const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"])

const duplicates = (values: ReadonlyArray<string>) => values.filter((value, index) => values.indexOf(value) !== index)

/** Everything about spec and options that libvirt would refuse or that this driver cannot express, as sentences. */
export const domainXmlProblems = (spec: VmSpec, options: DomainXmlOptions): ReadonlyArray<string> => {
  const problems: Array<string> = []
  if (spec.cpus > spec.sockets * spec.coresPerSocket) {
    problems.push(`${spec.cpus} vCPUs do not fit ${spec.sockets} socket(s) × ${spec.coresPerSocket} core(s)`)
  }
  const systemDisks = spec.disks.filter((disk) => disk.role === "system")
  if (systemDisks.length > 1) problems.push("more than one system disk")
  if (spec.boot.kind === "disk" && systemDisks.length === 0) problems.push("disk boot needs a system disk")
  for (const alias of duplicates(spec.disks.map((disk) => diskAlias(disk.id))))
    problems.push(`two disks share ${alias}`)
  for (const alias of duplicates(spec.nics.map((nic) => nicAlias(nic.id)))) problems.push(`two NICs share ${alias}`)
  if (spec.disks.filter((disk) => disk.bus === "sata").length > MAX_SATA_DISKS) {
    problems.push(`at most ${MAX_SATA_DISKS} SATA disks`)
  }
  for (const disk of spec.disks) {
    if (!isAbsolute(disk.path)) problems.push(`disk ${disk.id}: path must be absolute`)
    // QEMU's ide-hd refuses a read-only node
    if (disk.readonly && disk.bus === "sata") problems.push(`disk ${disk.id}: a SATA disk cannot be read-only`)
  }
  if (spec.cdrom !== null && !isAbsolute(spec.cdrom)) problems.push("the ISO path must be absolute")
  for (const nic of spec.nics) {
    if (!MAC.test(nic.mac)) problems.push(`NIC ${nic.id}: bad MAC address ${nic.mac}`)
    if (nic.backing.kind === "user" && nic.backing.hostForwards.length > 0) {
      problems.push(`NIC ${nic.id}: libvirt 9.0's user-mode networking cannot forward host ports; use a bridge or tap`)
    }
  }
  for (const device of spec.devices) {
    if (device.kind === "usb") {
      // libvirt 9 names a host USB device by ids (or bus + device number), never by the port the platform records
      const ids = /^[0-9a-f]{4}$/i.test(device.vendorId ?? "") && /^[0-9a-f]{4}$/i.test(device.productId ?? "")
      if (!ids)
        problems.push(`usb ${device.id}: libvirt needs the device's vendor and product ids (${device.hostAddress})`)
    } else if (parsePciAddress(device.hostAddress) === undefined) {
      problems.push(`gpu ${device.id}: bad host address ${device.hostAddress}`)
    }
  }
  for (const path of [options.serialSocket, options.serialLog]) {
    if (!isAbsolute(path)) problems.push(`${path} must be absolute`)
  }
  if (Buffer.byteLength(options.serialSocket) > MAX_SOCKET_PATH) {
    problems.push(`${options.serialSocket} is too long for a unix socket`)
  }
  if (options.vnc.kind === "websocket" && !LOOPBACK.has(options.vnc.host)) {
    problems.push("the VNC WebSocket has no authentication of its own: it must listen on loopback")
  }
  if (options.tcgTbCacheMiB !== undefined && options.domainType !== "qemu") {
    problems.push("tcgTbCacheMiB needs domain type qemu (TCG)")
  }
  return problems
}
