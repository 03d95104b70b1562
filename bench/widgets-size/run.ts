/**
 * bench/widgets-size: what a portal downloads for the widgets. Builds the bundle into a scratch folder and prints JSON
 * on stdout: raw and gzip bytes of the entry (everything but noVNC), of the noVNC chunk (fetched on the first console
 * connect), and the 150 kB gzip budget the entry must stay within.
 *   node --import tsx bench/widgets-size/run.ts
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type BuiltFile, buildWidgets, bundleFile } from "../../ui-widgets/build.ts"

/** The entry's budget, gzip, without noVNC (the acceptance). */
const budgetGzipBytes = 150_000

const sizeOf = (file: BuiltFile | undefined) =>
  file === undefined ? null : { file: file.path, bytes: file.bytes, gzipBytes: file.gzipBytes }

const outdir = mkdtempSync(join(tmpdir(), "hx-widgets-size-"))
try {
  const built = await buildWidgets({ outdir })
  const entry = built.files.find((file) => file.path === bundleFile)
  const novnc = built.files.find((file) => /^chunks\/rfb-/.test(file.path))
  const others = built.files.filter((file) => file !== entry && file !== novnc)
  const report = {
    bench: "widgets-size",
    date: new Date().toISOString(),
    buildMs: Math.round(built.durationMs),
    entry: sizeOf(entry),
    novncChunk: sizeOf(novnc),
    otherChunks: others.map(sizeOf),
    totalGzipBytes: built.files.reduce((sum, file) => sum + file.gzipBytes, 0),
    budget: { gzipBytesWithoutNovnc: budgetGzipBytes, withinBudget: (entry?.gzipBytes ?? Infinity) <= budgetGzipBytes },
  }
  console.log(JSON.stringify(report, null, 2))
} finally {
  rmSync(outdir, { recursive: true, force: true })
}
