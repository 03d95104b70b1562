import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { Effect } from "effect"
import type { DriverFactory } from "../core/driver/driver.ts"
import type { ConformanceConfig } from "./config.ts"

/** What a plug-in author hands to the suite: how to build their driver, and how to reach into its guests. */
export interface ConformanceModule {
  readonly factory: DriverFactory
  readonly config: ConformanceConfig
  /** Called once the run is over (and the matrix written): remove what the module itself prepared. */
  readonly dispose?: (() => void | Promise<void>) | undefined
}

/** A driver module's default export: the module, or a function that prepares it (build a guest image, a folder, …). */
export type ConformanceModuleExport = ConformanceModule | (() => ConformanceModule | Promise<ConformanceModule>)

const isModule = (value: unknown): value is ConformanceModule =>
  typeof value === "object" &&
  value !== null &&
  "factory" in value &&
  Effect.isEffect(value.factory) &&
  "config" in value &&
  typeof value.config === "object" &&
  value.config !== null

/** Imports a driver module by path (relative to the working folder) and resolves its default export. */
export const loadConformanceModule = async (path: string): Promise<ConformanceModule> => {
  const imported: { readonly default?: unknown } = await import(pathToFileURL(resolve(path)).href)
  const exported = imported.default
  const made = typeof exported === "function" ? await (exported as () => unknown)() : exported
  if (!isModule(made))
    throw new Error(`${path}: the default export must be { factory, config } or a function returning it`)
  return made
}
