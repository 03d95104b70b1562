// @ts-check
// A hyperx driver written with async functions: the Promise adapter (hyperx/core/driver) turns it into the driver
// contract. `hyperx agent --driver <this folder>` loads the default export below; conformance.js runs the suite.
import { mkdir, rm, truncate, writeFile } from "node:fs/promises"
import { dirname } from "node:path"
import { fromPromiseDriver, PromiseDriverError } from "hyperx/core/driver"
import { hypervisorOf } from "./hypervisor.js"

/**
 * The driver for the hypervisor on `stateDir`, as async functions.
 * @param {string} stateDir
 * @returns {import("hyperx/core/driver").PromiseDriver}
 */
export const makeExampleDriver = (stateDir) => {
  const hypervisor = hypervisorOf(stateDir)
  /** @param {string} name */
  const domainOf = (name) => {
    const domain = hypervisor.domains.get(name)
    if (domain === undefined) throw new PromiseDriverError("not-found", `no domain named ${name}`, { name })
    return domain
  }
  /** @param {string} name @param {string} power */
  const wrongPower = (name, power) =>
    new PromiseDriverError("wrong-power-state", `${name} is ${power}`, { name, power })
  /** @param {import("./hypervisor.js").Domain} domain @param {"running" | "stopped"} power */
  const powerCycle = (domain, power) => {
    domain.power = power
    domain.ram = new Map() // a cold boot or a power-off loses what the guest kept in RAM
  }
  return {
    name: "example",
    version: "0.1.0",
    capabilities: ["lifecycle", "gracefulShutdown", "events", "reattach"],
    async define(spec) {
      const existing = hypervisor.domains.get(spec.name)
      if (existing !== undefined && existing.power !== "stopped") throw wrongPower(spec.name, existing.power)
      hypervisor.domains.set(spec.name, { spec, power: "stopped", ram: new Map(), disk: existing?.disk ?? new Map() })
    },
    async undefine(name) {
      const domain = hypervisor.domains.get(name)
      if (domain === undefined) return
      if (domain.power !== "stopped") throw wrongPower(name, domain.power)
      hypervisor.domains.delete(name)
    },
    async start(name) {
      const domain = domainOf(name)
      if (domain.power !== "running") powerCycle(domain, "running")
    },
    async shutdown(name) {
      // Forced or graceful, this guest powers off at once.
      const domain = domainOf(name)
      if (domain.power !== "stopped") powerCycle(domain, "stopped")
    },
    async reboot(name) {
      const domain = domainOf(name)
      if (domain.power !== "running") throw wrongPower(name, domain.power)
      powerCycle(domain, "running")
    },
    async inspect(name) {
      const domain = domainOf(name)
      return { name, power: domain.power }
    },
    async list() {
      return [...hypervisor.domains.values()].map((domain) => ({ name: domain.spec.name, power: domain.power }))
    },
    events(emit) {
      hypervisor.listeners.add(emit)
      return () => void hypervisor.listeners.delete(emit)
    },
    volumes: {
      async create(volume) {
        await mkdir(dirname(volume.path), { recursive: true })
        await writeFile(volume.path, "")
        await truncate(volume.path, volume.sizeGiB * 2 ** 30) // sparse: no blocks used
      },
      async remove(path) {
        await rm(path, { force: true })
      },
    },
  }
}

/**
 * The entry point `hyperx agent --driver` calls: the agent's context in, the driver factory out.
 * @type {import("hyperx/core/driver").DriverEntry}
 */
export default (context) => ({
  factory: fromPromiseDriver(() => makeExampleDriver(context.stateDir)),
  description: "example (an in-memory hypervisor, written with the Promise adapter)",
  usesImageFiles: false,
})
