// What ui-widgets/serve.ts takes from ./build.ts, in the built package (#22): the bundle is shipped already built
// (npm run build), so there is no esbuild at run time and nothing to build on demand.
import { existsSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const widgetsRoot = fileURLToPath(new URL(".", import.meta.url))
export const widgetsDist = join(widgetsRoot, "dist")
export const bundleFile = "hyperx-widgets.js"

export const ensureWidgetsBuilt = async (outdir: string = widgetsDist): Promise<void> => {
  if (!existsSync(join(outdir, bundleFile))) throw new Error(`the widgets' bundle is missing in ${outdir}`)
}
