import assert from "node:assert/strict"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { buildWidgets, bundleFile } from "./build.ts"

describe("the widgets bundle", () => {
  const outdir = mkdtempSync(join(tmpdir(), "hx-widgets-build-"))
  after(() => rmSync(outdir, { recursive: true, force: true }))

  it("H5 one ES module within 150 kB gzip; noVNC is a chunk of its own that only a dynamic import loads", async () => {
    const built = await buildWidgets({ outdir })
    const entry = built.files.find((file) => file.path === bundleFile)
    const novnc = built.files.find((file) => file.path.startsWith("chunks/rfb-"))
    assert.ok(entry && novnc, JSON.stringify(built.files))
    assert.ok(entry.gzipBytes <= 150_000, `entry is ${entry.gzipBytes} bytes gzip`)
    const code = readFileSync(join(outdir, bundleFile), "utf8")
    assert.ok(code.includes(`import("./${novnc.path}")`), "the console imports noVNC lazily")
    assert.ok(!code.includes("noVNC_mouse_capture_elem"), "no noVNC code in the entry")
    assert.ok(readFileSync(join(outdir, novnc.path), "utf8").includes("noVNC_mouse_capture_elem"))
    for (const tag of ["hx-vm-list", "hx-vm-create", "hx-vm-detail", "hx-vm-console"])
      assert.ok(code.includes(`"${tag}"`), tag)
  })
})
