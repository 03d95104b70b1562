/** Kernel module selection: which .ko files the guest loads, and in which order, from depmod's modules.dep. */

export interface ModuleIndex {
  /** Module path (as in modules.dep, e.g. "kernel/drivers/block/virtio_blk.ko") → the paths it depends on. */
  readonly deps: ReadonlyMap<string, ReadonlyArray<string>>
  /** Module name (dashes folded to underscores) → its path. */
  readonly paths: ReadonlyMap<string, string>
  /** Names of modules compiled into the kernel: nothing to load. */
  readonly builtin: ReadonlySet<string>
}

export interface LoadPlan {
  /** Module paths in an order where every module comes after the modules it needs. */
  readonly load: ReadonlyArray<string>
  readonly builtin: ReadonlyArray<string>
  readonly missing: ReadonlyArray<string>
}

/** "kernel/fs/isofs/isofs.ko" → "isofs"; "crc32c-intel.ko.xz" → "crc32c_intel". */
export const moduleName = (path: string) =>
  (path.split("/").pop() ?? path).replace(/\.ko(\.(xz|zst|gz))?$/, "").replaceAll("-", "_")

const lines = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0)

export const parseModuleIndex = (modulesDep: string, modulesBuiltin: string): ModuleIndex => {
  const deps = new Map<string, ReadonlyArray<string>>()
  const paths = new Map<string, string>()
  for (const line of lines(modulesDep)) {
    const [path = "", rest = ""] = line.split(":")
    deps.set(
      path,
      rest.split(/\s+/).filter((dep) => dep.length > 0),
    )
    paths.set(moduleName(path), path)
  }
  return { deps, paths, builtin: new Set(lines(modulesBuiltin).map(moduleName)) }
}

/** Orders the wanted modules and everything they need (depth-first, dependencies first, each once). */
export const planModuleLoad = (index: ModuleIndex, wanted: ReadonlyArray<string>): LoadPlan => {
  const load: Array<string> = []
  const builtin: Array<string> = []
  const missing: Array<string> = []
  const visited = new Set<string>()
  const visit = (path: string) => {
    if (visited.has(path)) return
    visited.add(path)
    for (const dep of index.deps.get(path) ?? []) visit(dep)
    load.push(path)
  }
  for (const raw of wanted) {
    const name = raw.replaceAll("-", "_")
    const path = index.paths.get(name)
    if (path !== undefined) visit(path)
    else if (index.builtin.has(name)) builtin.push(name)
    else missing.push(name)
  }
  return { load, builtin, missing }
}
