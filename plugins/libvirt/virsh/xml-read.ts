/**
 * Reading the few facts we need from XML that libvirt itself formatted (dumpxml, snapshot-dumpxml). libvirt writes
 * one element per line with single-quoted attributes, so small patterns over element blocks are enough; nothing
 * here is meant for arbitrary XML.
 */

const decodeEntities = (value: string) =>
  value
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&apos;", "'")
    .replaceAll("&quot;", '"')
    .replaceAll("&amp;", "&")

/** The blocks `<name …>…</name>` (or self-closed) in `xml`, outermost first. */
export const elements = (xml: string, name: string): ReadonlyArray<string> =>
  [...xml.matchAll(new RegExp(`<${name}\\b[^>]*?(?:/>|>[\\s\\S]*?</${name}>)`, "g"))].map((match) => match[0])

/** An attribute of the first `<tag …>` in `block`. */
export const attribute = (block: string, tag: string, name: string): string | undefined => {
  const open = new RegExp(`<${tag}\\b[^>]*>`).exec(block)?.[0]
  if (open === undefined) return undefined
  const value = new RegExp(`\\s${name}=(?:'([^']*)'|"([^"]*)")`).exec(open)
  return value === null ? undefined : decodeEntities(value[1] ?? value[2] ?? "")
}

/** The text of the first `<tag>text</tag>` in `block`. */
export const text = (block: string, tag: string): string | undefined => {
  const match = new RegExp(`<${tag}\\b[^>]*>([^<]*)</${tag}>`).exec(block)
  return match === null ? undefined : decodeEntities(match[1] ?? "")
}

export interface LiveDisk {
  readonly device: string
  readonly target: string
  readonly bus: string | undefined
  readonly alias: string | undefined
  readonly source: string | undefined
  /** The image format libvirt hands QEMU (`<driver type>`: qcow2, raw). */
  readonly format: string | undefined
}

/** Every `<disk>` of a domain, with its target, alias and file. */
export const parseDisks = (xml: string): ReadonlyArray<LiveDisk> =>
  elements(xml, "disk").map((block) => ({
    device: attribute(block, "disk", "device") ?? "disk",
    target: attribute(block, "target", "dev") ?? "",
    bus: attribute(block, "target", "bus"),
    alias: attribute(block, "alias", "name"),
    source: attribute(block, "source", "file"),
    format: attribute(block, "driver", "type"),
  }))

/** Every `<interface>`'s alias. */
export const parseNicAliases = (xml: string): ReadonlyArray<string> =>
  elements(xml, "interface").flatMap((block) => {
    const alias = attribute(block, "alias", "name")
    return alias === undefined ? [] : [alias]
  })

/** Every `<hostdev>`'s alias (passthrough: a GPU or a host USB device). */
export const parseHostDeviceAliases = (xml: string): ReadonlyArray<string> =>
  elements(xml, "hostdev").flatMap((block) => {
    const alias = attribute(block, "alias", "name")
    return alias === undefined ? [] : [alias]
  })

/** Every `<interface>`'s host device (its target, as domstats names it) and alias. */
export const parseNicTargets = (xml: string): ReadonlyArray<{ readonly target: string; readonly alias: string }> =>
  elements(xml, "interface").flatMap((block) => {
    const target = attribute(block, "target", "dev")
    const alias = attribute(block, "alias", "name")
    return target === undefined || alias === undefined ? [] : [{ target, alias }]
  })

/** Every `<interface>`'s alias and MAC address (lower case): what the guest agent names an interface by. */
export const parseNicMacs = (xml: string): ReadonlyArray<{ readonly alias: string; readonly mac: string }> =>
  elements(xml, "interface").flatMap((block) => {
    const alias = attribute(block, "alias", "name")
    const mac = attribute(block, "mac", "address")
    return alias === undefined || mac === undefined ? [] : [{ alias, mac: mac.toLowerCase() }]
  })

/**
 * Whether the guest agent runs: libvirt marks the agent's channel `state='connected'` in the live XML while the guest
 * holds its end open, so asking the agent can be skipped (without waiting for a timeout) while it does not.
 */
export const guestAgentConnected = (xml: string): boolean =>
  elements(xml, "channel").some(
    (block) =>
      attribute(block, "target", "name") === "org.qemu.guest_agent.0" &&
      attribute(block, "target", "state") === "connected",
  )

export interface LiveVnc {
  /** The unix socket libvirt placed the VNC server on. */
  readonly socket: string | undefined
  readonly host: string | undefined
  readonly port: number | undefined
  readonly websocket: number | undefined
}

const portNumber = (value: string | undefined) => {
  const port = Number(value)
  return value !== undefined && Number.isInteger(port) && port > 0 ? port : undefined
}

/** The VNC server of a running domain, as the live XML shows it (ports are filled in once it runs). */
export const parseVnc = (xml: string): LiveVnc | undefined => {
  const block = elements(xml, "graphics").find((candidate) => attribute(candidate, "graphics", "type") === "vnc")
  if (block === undefined) return undefined
  return {
    socket: attribute(block, "graphics", "socket") ?? attribute(block, "listen", "socket"),
    host: attribute(block, "listen", "address") ?? attribute(block, "graphics", "listen"),
    port: portNumber(attribute(block, "graphics", "port")),
    websocket: portNumber(attribute(block, "graphics", "websocket")),
  }
}

/** COM1's unix socket, if the domain has one. */
export const parseSerialSocket = (xml: string): string | undefined => {
  const block = elements(xml, "serial").find((candidate) => attribute(candidate, "serial", "type") === "unix")
  return block === undefined ? undefined : attribute(block, "source", "path")
}

export interface SnapshotXml {
  readonly name: string
  readonly description: string | undefined
  /** The domain's state when it was taken: "running", "shutoff", "disk-snapshot", … */
  readonly state: string
  readonly createdAt: Date
  /** "internal" when the guest's memory is saved in the disk images. */
  readonly memory: string | undefined
}

/** `virsh snapshot-dumpxml`: the snapshot's own fields, not the domain definition it embeds. */
export const parseSnapshotXml = (xml: string): SnapshotXml => {
  const own = xml.split(/<domain\b/)[0] ?? xml
  const created = Number(text(own, "creationTime"))
  return {
    name: text(own, "name") ?? "",
    description: text(own, "description"),
    state: text(own, "state") ?? "",
    createdAt: new Date(Number.isFinite(created) ? created * 1000 : Number.NaN),
    memory: attribute(own, "memory", "snapshot"),
  }
}

/** `virsh checkpoint-dumpxml`: the checkpoint's own name and description, not those of the domain it embeds. */
export const parseCheckpointXml = (xml: string) => {
  const own = xml.split(/<domain\b/)[0] ?? xml
  return { name: text(own, "name") ?? "", description: text(own, "description") }
}
