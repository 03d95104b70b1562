import type { DiskSpec, NicSpec, VmSpec } from "../../core/driver/spec.ts"

/** What a real hypervisor would refuse in a spec, as a message; undefined when the spec can be realised. */
export const specProblem = (spec: VmSpec): string | undefined => {
  if (spec.sockets * spec.coresPerSocket !== spec.cpus)
    return `cpu topology ${spec.sockets} sockets × ${spec.coresPerSocket} cores does not make ${spec.cpus} cpus`
  return (
    duplicate(
      "disk id",
      spec.disks.map((disk) => disk.id),
    ) ??
    duplicate(
      "disk path",
      spec.disks.map((disk) => disk.path),
    ) ??
    duplicate(
      "nic id",
      spec.nics.map((nic) => nic.id),
    ) ??
    duplicate(
      "nic mac",
      spec.nics.map((nic) => nic.mac.toLowerCase()),
    ) ??
    duplicate(
      "device id",
      spec.devices.map((device) => device.id),
    )
  )
}

export const diskProblem = (spec: VmSpec, disk: DiskSpec): string | undefined => {
  if (disk.path === "") return "disk path is empty"
  const samePath = spec.disks.find((other) => other.path === disk.path && other.id !== disk.id)
  return samePath ? `${disk.path} is already attached to ${spec.name} as ${samePath.id}` : undefined
}

export const nicProblem = (spec: VmSpec, nic: NicSpec): string | undefined => {
  const sameMac = spec.nics.find((other) => other.mac.toLowerCase() === nic.mac.toLowerCase() && other.id !== nic.id)
  return sameMac ? `mac ${nic.mac} is already used by ${spec.name}'s nic ${sameMac.id}` : undefined
}

const duplicate = (what: string, values: ReadonlyArray<string>): string | undefined => {
  const seen = new Set<string>()
  for (const value of values) {
    if (seen.has(value)) return `duplicate ${what} ${value}`
    seen.add(value)
  }
  return undefined
}
