// @ts-check
// The example's stand-in for a hypervisor: domains in memory, each with a guest that has RAM (lost by a power cycle)
// and a disk (kept). Replace it with your hypervisor's client; driver.js is what talks to it.
// One hypervisor per state folder, shared by every driver instance on it: a real hypervisor outlives the driver
// instance that talks to it.

/**
 * @typedef {import("hyperx/core/driver").VmSpec} VmSpec
 * @typedef {{ spec: VmSpec, power: "running" | "stopped", ram: Map<string, string>, disk: Map<string, string> }} Domain
 * @typedef {import("hyperx/core/driver").DriverEvent} DriverEvent
 * @typedef {{ domains: Map<string, Domain>, listeners: Set<(event: DriverEvent) => void> }} Hypervisor
 */

/** @type {Map<string, Hypervisor>} */
const hypervisors = new Map()

/** @param {string} stateDir @returns {Hypervisor} */
export const hypervisorOf = (stateDir) => {
  let hypervisor = hypervisors.get(stateDir)
  if (hypervisor === undefined) {
    hypervisor = { domains: new Map(), listeners: new Set() }
    hypervisors.set(stateDir, hypervisor)
  }
  return hypervisor
}

/**
 * What the guest does on its own: it powers itself off (as `poweroff` typed inside it), and the hypervisor tells
 * whoever watches.
 * @param {Hypervisor} hypervisor @param {string} name
 */
export const guestPowersOff = (hypervisor, name) => {
  const domain = hypervisor.domains.get(name)
  if (domain === undefined || domain.power !== "running") return
  domain.power = "stopped"
  domain.ram = new Map()
  const event = { name, kind: /** @type {const} */ ("powered-off"), detail: "the guest powered off", at: new Date() }
  for (const listener of hypervisor.listeners) listener(event)
}
