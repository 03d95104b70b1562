/** virsh for tests that drive libvirt from outside the driver (an agent run as `npm start` does, a check on a domain). */
import { execFileSync } from "node:child_process"
import { LIBVIRT_URI } from "./setup.ts"

export const virsh = (...args: ReadonlyArray<string>) =>
  execFileSync("virsh", ["-c", LIBVIRT_URI, ...args], {
    encoding: "utf8",
    timeout: 30_000,
    stdio: ["ignore", "pipe", "pipe"],
  })

/** Every domain whose definition names a path under `folder` (this run's disks): off and forgotten. */
export const forgetDomainsUnder = (folder: string) => {
  for (const domain of virsh("list", "--all", "--name")
    .split("\n")
    .filter((line) => line.trim() !== "")) {
    const ours = (() => {
      try {
        return virsh("dumpxml", domain).includes(folder)
      } catch {
        return false // gone meanwhile
      }
    })()
    if (!ours) continue
    for (const args of [
      ["destroy", domain],
      ["undefine", domain, "--nvram"],
    ]) {
      try {
        virsh(...args)
      } catch {
        // already off or gone
      }
    }
  }
}
