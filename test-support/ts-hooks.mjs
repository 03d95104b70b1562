// Module hooks that run the TypeScript sources for the light test phase (scripts/test.sh), lighter than tsx's: Node 20
// runs a loader's hooks on a thread of their own, every module (effect alone is ~200) crosses to it, and tsx's resolve
// and load hooks work on each one (tsconfig paths, extension probing). The sources import each other by their .ts
// names (allowImportingTsExtensions), which Node's own resolver finds, so there is no resolve hook here, and the load
// hook passes every other module straight on. It compiles .ts files with esbuild as tsx does (same options, same
// tsconfig) and caches the output on disk by path, content and options. Measured: bench/test-startup.
import { createHash } from "node:crypto"
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../", import.meta.url))
const require = createRequire(import.meta.url)
const esbuildVersion = require("esbuild/package.json").version
const { compilerOptions } = JSON.parse(readFileSync(join(root, "tsconfig.json"), "utf8"))

// tsx's options for the same files (tsx 4: target, source maps, whitespace, names), so that code which reads a
// function's text (the test store's migrations hash) sees what it sees under tsx.
const options = {
  loader: "ts",
  format: "esm",
  target: `node${process.versions.node}`,
  sourcemap: "inline",
  minifyWhitespace: true,
  keepNames: true,
  tsconfigRaw: { compilerOptions },
}
const cacheDir = join(tmpdir(), `hyperx-ts-${process.getuid?.() ?? 0}`)
mkdirSync(cacheDir, { recursive: true })
const optionsKey = JSON.stringify([esbuildVersion, options])

let esbuild
const compile = async (path, code) => {
  esbuild ??= await import("esbuild")
  return (await esbuild.transform(code, { ...options, sourcefile: path })).code
}

/** Written aside and renamed: two test processes compiling the same file never read half of it. A cache that
 * cannot be written costs the next process a compile, nothing more. */
const store = (cached, source) => {
  const partial = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`
  try {
    writeFileSync(partial, source)
    renameSync(partial, cached)
  } catch {
    rmSync(partial, { force: true })
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith("file:")) return nextLoad(url, context)
  const path = fileURLToPath(url)
  if (!/\.m?ts$/.test(path)) return nextLoad(url, context)
  const code = await readFile(path, "utf8")
  const cached = join(cacheDir, createHash("sha256").update(optionsKey).update(path).update(code).digest("hex"))
  let source
  try {
    source = readFileSync(cached, "utf8")
  } catch {
    source = await compile(path, code)
    store(cached, source)
  }
  return { format: "module", source, shortCircuit: true }
}
