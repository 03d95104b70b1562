/** What a driver may declare; the conformance suite runs a capability's cases only when it is declared. */
export const capabilities = [
  "lifecycle",
  "gracefulShutdown",
  "events",
  "reattach",
  "liveMigration",
  "memorySnapshot",
  "diskSnapshot",
  "diskBackup",
  "hotplugDisk",
  "hotplugNic",
  "usbPassthrough",
  "pciPassthrough",
  "iso",
  "vncConsole",
  "serialConsole",
  "guestAgent",
  "metrics",
] as const
export type Capability = (typeof capabilities)[number]

export type Capabilities = ReadonlySet<Capability>
