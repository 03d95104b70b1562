import { isAbsolute } from "node:path"
import type { VmSpec } from "../../../core/driver/spec.ts"
import { isPciAddress, parseUsbAddress } from "./devices.ts"
import { diskNames, nicNames } from "./names.ts"
import { type QemuRuntime, runtimePaths } from "./runtime.ts"
import { MAX_SATA_DISKS } from "./storage.ts"

/** sockaddr_un holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/
const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"])

const duplicates = (values: ReadonlyArray<string>) => values.filter((value, index) => values.indexOf(value) !== index)

/** Everything about spec and runtime that would make QEMU refuse the command line, as readable sentences. */
export const argvProblems = (spec: VmSpec, runtime: QemuRuntime): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const slots = spec.sockets * spec.coresPerSocket
  if (spec.cpus > slots) {
    problems.push(`${spec.cpus} vCPUs do not fit ${spec.sockets} socket(s) × ${spec.coresPerSocket} core(s)`)
  }
  const systemDisks = spec.disks.filter((disk) => disk.role === "system")
  if (systemDisks.length > 1) problems.push("more than one system disk")
  if (spec.boot.kind === "disk" && systemDisks.length === 0) problems.push("disk boot needs a system disk")
  for (const id of duplicates(spec.disks.map((disk) => diskNames(disk.id).node))) {
    problems.push(`two disks share the QEMU name ${id}`)
  }
  for (const id of duplicates(spec.nics.map((nic) => nicNames(nic.id).netdev))) {
    problems.push(`two NICs share the QEMU name ${id}`)
  }
  if (spec.disks.filter((disk) => disk.bus === "sata").length > MAX_SATA_DISKS) {
    problems.push(`at most ${MAX_SATA_DISKS} SATA disks`)
  }
  for (const disk of spec.disks) {
    if (!isAbsolute(disk.path)) problems.push(`disk ${disk.id}: path must be absolute`)
    // QEMU's ide-hd refuses a read-only node
    if (disk.readonly && disk.bus === "sata") problems.push(`disk ${disk.id}: a SATA disk cannot be read-only`)
  }
  for (const nic of spec.nics) {
    if (!MAC.test(nic.mac)) problems.push(`NIC ${nic.id}: bad MAC address ${nic.mac}`)
    if (nic.backing.kind === "user") {
      for (const { hostPort, guestPort } of nic.backing.hostForwards) {
        if (hostPort > 65535 || guestPort > 65535) problems.push(`NIC ${nic.id}: port out of range`)
      }
    }
  }
  for (const device of spec.devices) {
    const byIds = /^[0-9a-f]{4}$/i.test(device.vendorId ?? "") && /^[0-9a-f]{4}$/i.test(device.productId ?? "")
    const valid =
      device.kind === "gpu" ? isPciAddress(device.hostAddress) : parseUsbAddress(device.hostAddress) || byIds
    if (!valid) problems.push(`${device.kind} ${device.id}: bad host address ${device.hostAddress}`)
  }
  if (!isAbsolute(runtime.runDir)) problems.push("runDir must be absolute")
  for (const path of Object.values(runtimePaths(runtime.runDir))) {
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) problems.push(`${path} is too long for a unix socket`)
  }
  if (runtime.vnc.kind === "websocket" && !LOOPBACK.has(runtime.vnc.host)) {
    problems.push("the VNC WebSocket has no authentication of its own: it must listen on loopback")
  }
  if (runtime.tcgTbSizeMiB !== undefined && runtime.accel !== "tcg") problems.push("tcgTbSizeMiB needs accel tcg")
  return problems
}
