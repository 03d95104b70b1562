import { randomBytes, randomUUID } from "node:crypto"

export const newId = () => randomUUID()
export const shortId = () => randomUUID().slice(0, 8)
/**
 * A VM's hostname as the agent makes them (40 random bits): tests insert thousands of sample VMs into one database,
 * where 32 bits clashed on the unique hostname about once in a hundred CI runs (an export test's 2,345 rows).
 */
export const sampleHostname = () => `vm-${randomBytes(5).toString("hex")}`
export const now = () => new Date()

// Addresses and MACs must be unique (per subnet, and anywhere); a counter from a random start keeps them apart.
let sequence = Math.floor(Math.random() * 60_000)
export const next = () => {
  sequence = (sequence + 1) % 65_000
  return sequence
}
export const hex = (n: number) => n.toString(16).padStart(2, "0")

/** A unique address inside 10.0.0.0/8, for sample NICs on the sample subnet. */
export const sampleIp = () => {
  const n = next()
  // Host parts 2..251 keep clear of network, gateway and broadcast addresses.
  return `10.${Math.floor(n / 64_000) % 256}.${Math.floor(n / 250) % 256}.${(n % 250) + 2}`
}

/** A unique locally administered MAC address. */
export const sampleMac = () => {
  const n = next()
  return `52:54:00:${hex(Math.floor(Math.random() * 256))}:${hex((n >> 8) & 255)}:${hex(n & 255)}`
}
