import { existsSync } from "node:fs"
import { readFile, rm } from "node:fs/promises"
import { join, relative } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { gzipSync } from "node:zlib"
import { build } from "esbuild"

/** ui-widgets/, wherever the repository is. */
export const widgetsRoot = fileURLToPath(new URL(".", import.meta.url))
/** Where the bundle goes (git-ignored). */
export const widgetsDist = join(widgetsRoot, "dist")
/** The one module a portal loads; noVNC sits in a chunk beside it under chunks/. */
export const bundleFile = "hyperx-widgets.js"

export interface BuiltFile {
  /** Relative to the output folder, with forward slashes: hyperx-widgets.js, chunks/rfb-XXXX.js. */
  readonly path: string
  readonly bytes: number
  readonly gzipBytes: number
}

export interface WidgetBuild {
  readonly outdir: string
  readonly files: ReadonlyArray<BuiltFile>
  readonly durationMs: number
}

/**
 * Bundle the elements into one ES module with esbuild: es2022 and ESM because noVNC uses top-level await; code
 * splitting so noVNC (loaded on the first console connect) is its own chunk. About a tenth of a second.
 */
export const buildWidgets = async (options: { readonly outdir?: string } = {}): Promise<WidgetBuild> => {
  const started = performance.now()
  const outdir = options.outdir ?? widgetsDist
  await rm(outdir, { recursive: true, force: true })
  const result = await build({
    absWorkingDir: widgetsRoot,
    entryPoints: { "hyperx-widgets": join(widgetsRoot, "src/index.ts") },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    minify: true,
    sourcemap: "linked",
    chunkNames: "chunks/[name]-[hash]",
    loader: { ".css": "text" },
    metafile: true,
    logLevel: "silent",
  })
  const files = await Promise.all(
    Object.keys(result.metafile.outputs)
      .filter((file) => file.endsWith(".js"))
      .map(async (file) => {
        const absolute = join(widgetsRoot, file)
        const content = await readFile(absolute)
        return {
          path: relative(outdir, absolute).split("\\").join("/"),
          bytes: content.length,
          gzipBytes: gzipSync(content, { level: 9 }).length,
        }
      }),
  )
  return { outdir, files: files.sort((a, b) => a.path.localeCompare(b.path)), durationMs: performance.now() - started }
}

let pending: Promise<unknown> | undefined

/** Build once when the bundle is missing (the agent's first request for it, a test's first page). */
export const ensureWidgetsBuilt = async (outdir: string = widgetsDist): Promise<void> => {
  if (existsSync(join(outdir, bundleFile))) return
  pending ??= buildWidgets({ outdir }).finally(() => {
    pending = undefined
  })
  await pending
}

// `npx tsx ui-widgets/build.ts`: build and print what was written.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const built = await buildWidgets()
  console.log(JSON.stringify(built, null, 2))
}
