// @ts-check
// The conformance suite's view of this driver: how to build it, and how to reach inside its guests.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fromPromiseProbe } from "hyperx/conformance"
import { fromPromiseDriver } from "hyperx/core/driver"
import { makeExampleDriver } from "./driver.js"
import { guestPowersOff, hypervisorOf } from "./hypervisor.js"

/** @returns {import("hyperx/conformance").ConformanceModule} */
export default () => {
  const workDir = mkdtempSync(join(tmpdir(), "hxc-example-"))
  const hypervisor = hypervisorOf(workDir)
  /** @param {string} name */
  const guest = (name) => {
    const domain = hypervisor.domains.get(name)
    if (domain === undefined || domain.power !== "running") throw new Error(`${name} is not running`)
    return domain
  }
  const ramDir = "/run/hxc"
  /** @param {string} path */
  const filesOf = (name, path) => (path.startsWith(`${ramDir}/`) ? guest(name).ram : guest(name).disk)
  return {
    factory: fromPromiseDriver(() => makeExampleDriver(workDir)),
    config: {
      workDir,
      boot: { kind: "disk" },
      guest: fromPromiseProbe({
        ramDir,
        diskDir: "/var/lib/hxc",
        ready: async (name) => void guest(name),
        write: async (name, path, content) => void filesOf(name, path).set(path, content),
        read: async (name, path) => filesOf(name, path).get(path),
        powerOff: async (name) => guestPowersOff(hypervisor, name),
      }),
      // Nothing here takes long: a hang shows within seconds.
      timeouts: {
        operationMs: 5_000,
        bootMs: 5_000,
        guestChangeMs: 5_000,
        consoleMs: 2_000,
        caseMs: 30_000,
        pollMs: 5,
      },
    },
    dispose: () => rmSync(workDir, { recursive: true, force: true }),
  }
}
