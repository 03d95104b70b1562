// Loading a driver module named by `--driver <package or path>` (#21): where it is, what it exports, and a message an
// operator can act on when any of that is wrong. The entry's contract is core/driver/plugin.ts.
import { existsSync, readFileSync, statSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { Effect } from "effect"
import type { DriverContext, DriverEntry, DriverPlugin } from "../../core/driver/plugin.ts"
import { StartError } from "./start-error.ts"

/** The file a package folder's manifest names: `exports` ("." as a string, or its import/default), then `main`. */
const entryOfFolder = (folder: string): string => {
  const manifestFile = join(folder, "package.json")
  if (!existsSync(manifestFile)) return join(folder, "index.js")
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { exports?: unknown; main?: unknown }
  const pick = (target: unknown): string | undefined => {
    if (typeof target === "string") return target
    if (typeof target !== "object" || target === null) return undefined
    const conditions = target as Record<string, unknown>
    return pick(conditions["."] ?? conditions.import ?? conditions.default)
  }
  const named = pick(manifest.exports) ?? (typeof manifest.main === "string" ? manifest.main : "index.js")
  return resolve(folder, named)
}

/** A package's folder, found in the node_modules folders from `cwd` up, as Node looks for it. */
const packageFolder = (name: string, cwd: string): string | undefined => {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name)
    if (existsSync(join(candidate, "package.json"))) return candidate
    if (dirname(dir) === dir) return undefined
  }
}

/** The module file a `--driver` value names: an absolute path (a file, or a package folder), or a package name. */
export const resolveDriverModule = (specifier: string, cwd: string): string => {
  if (specifier.startsWith("/")) {
    if (!existsSync(specifier)) throw new StartError(`The driver module ${specifier} does not exist`)
    return statSync(specifier).isDirectory() ? entryOfFolder(specifier) : specifier
  }
  const folder = packageFolder(specifier, cwd)
  if (folder === undefined) {
    throw new StartError(
      `The driver package "${specifier}" is not installed (no node_modules/${specifier} from ${cwd} up). ` +
        `Install it (npm install ${specifier}) or give the driver module's path.`,
    )
  }
  return entryOfFolder(folder)
}

const isPlugin = (value: unknown): value is DriverPlugin =>
  typeof value === "object" && value !== null && "factory" in value && Effect.isEffect(value.factory)

/** Imports the module, takes its entry (default export or `createDriver`) and calls it. */
export const loadDriverModule = async (file: string, context: DriverContext): Promise<DriverPlugin> => {
  const imported = (await import(pathToFileURL(file).href).catch((cause: unknown) => {
    throw new StartError(`The driver module ${file} could not be loaded: ${String(cause)}`)
  })) as { readonly default?: unknown; readonly createDriver?: unknown }
  const entry = typeof imported.default === "function" ? imported.default : imported.createDriver
  if (typeof entry !== "function") {
    throw new StartError(
      `The driver module ${file} exports no entry point: export default (or export const createDriver) a function ` +
        "that takes the agent's context and returns { factory } (see conformance/README.md, Writing a driver)",
    )
  }
  const plugin: unknown = await (entry as DriverEntry)(context)
  if (!isPlugin(plugin)) {
    throw new StartError(`The driver module ${file}: its entry point must return { factory, description? }`)
  }
  return plugin
}
