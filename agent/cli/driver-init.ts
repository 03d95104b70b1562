// `hyperx driver init <dir>` (#21): a driver package to start from, copied from conformance/driver-template (shipped
// in the package): a driver written with the Promise adapter, its conformance module and `npm test` running the suite.
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { basename, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const template = fileURLToPath(new URL("../../conformance/driver-template/", import.meta.url))

export class DriverInitError extends Error {
  override readonly name = "DriverInitError"
}

/** Copies the template into `dir` (made, or empty), the package named after the folder; returns what to do next. */
export const initDriver = (dir: string, cwd = process.cwd()): ReadonlyArray<string> => {
  const target = resolve(cwd, dir)
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new DriverInitError(`${target} is not empty: give a new folder for the driver`)
  }
  cpSync(template, target, { recursive: true })
  const manifestFile = join(target, "package.json")
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Record<string, unknown>
  const name = basename(target)
    .toLowerCase()
    .replace(/[^a-z0-9-._~]/g, "-")
  writeFileSync(manifestFile, `${JSON.stringify({ ...manifest, name }, null, 2)}\n`)
  return [
    `A driver package in ${target} (driver.js: a driver written with async functions; README.md says what next).`,
    // "hyperx" on the npm registry is another project's: the author installs this one's tarball or links a checkout
    `  cd ${target} && npm install /path/to/hyperx-<version>.tgz   (npm pack in a hyperx checkout; or npm link hyperx after npm link there)`,
    "  then npm test   # the conformance suite",
    `  hyperx agent --driver ${target}   # the agent runs its VMs through it`,
  ]
}
