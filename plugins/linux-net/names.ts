import { createHash } from "node:crypto"

/** Linux interface names hold at most 15 bytes. */
export const IFNAMSIZ_MAX = 15

/**
 * Device names derived from ids: a prefix (default "hx"), one letter for the kind, 8 hex digits of the id's
 * SHA-256. Short, stable across restarts, and recognisable: everything the agent made starts with the prefix. The
 * id itself rides in the device's alias (see aliases), which is how `list` finds what it made.
 */
export interface DeviceNames {
  readonly prefix: string
  readonly bridge: (networkId: string) => string
  readonly vxlan: (networkId: string) => string
  readonly tap: (nicId: string) => string
}

const digest = (id: string) => createHash("sha256").update(id).digest("hex").slice(0, 8)

export const deviceNames = (prefix = "hx"): DeviceNames => {
  if (!/^[a-z][a-z0-9]{0,5}$/.test(prefix)) {
    throw new Error(`device prefix ${JSON.stringify(prefix)}: 1-6 lower-case letters and digits, a letter first`)
  }
  return {
    prefix,
    bridge: (networkId) => `${prefix}b${digest(networkId)}`,
    vxlan: (networkId) => `${prefix}v${digest(networkId)}`,
    tap: (nicId) => `${prefix}t${digest(nicId)}`,
  }
}

/** What the agent writes in a device's alias (ip link … alias), and reads back after a restart. */
export type DeviceMark =
  | { readonly kind: "bridge"; readonly networkId: string; readonly networkKind: string }
  | { readonly kind: "vxlan"; readonly networkId: string }
  | { readonly kind: "tap"; readonly nicId: string; readonly networkId: string }

const MARK = "hyperx"

export const aliasOf = (mark: DeviceMark): string => {
  switch (mark.kind) {
    case "bridge":
      return `${MARK} network ${mark.networkKind} ${mark.networkId}`
    case "vxlan":
      return `${MARK} vxlan ${mark.networkId}`
    case "tap":
      return `${MARK} nic ${mark.nicId} ${mark.networkId}`
  }
}

export const markOf = (alias: string | undefined): DeviceMark | undefined => {
  const [mark, kind, a, b, ...rest] = (alias ?? "").split(" ")
  if (mark !== MARK || rest.length > 0 || a === undefined) return undefined
  if (kind === "network" && b !== undefined) return { kind: "bridge", networkKind: a, networkId: b }
  if (kind === "vxlan" && b === undefined) return { kind: "vxlan", networkId: a }
  if (kind === "nic" && b !== undefined) return { kind: "tap", nicId: a, networkId: b }
  return undefined
}
