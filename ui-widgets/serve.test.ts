import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Hono } from "hono"
import { widgetRoutes } from "./serve.ts"

describe("widgetRoutes: the agent serves the bundle and the demo portal", () => {
  const distDir = join(mkdtempSync(join(tmpdir(), "hx-widgets-serve-")), "dist")
  after(() => rmSync(join(distDir, ".."), { recursive: true, force: true }))
  const app = widgetRoutes(new Hono(), { distDir })

  it("H5 builds the bundle on the first request; any origin may load it; the entry revalidates, chunks are immutable", async () => {
    const entry = await app.request("/widgets/hyperx-widgets.js")
    assert.equal(entry.status, 200)
    assert.match(entry.headers.get("Content-Type") ?? "", /^text\/javascript/)
    assert.equal(entry.headers.get("Access-Control-Allow-Origin"), "*")
    assert.equal(entry.headers.get("Cache-Control"), "no-cache")
    const chunk = /import\("\.\/(chunks\/[^"]+)"\)/.exec(await entry.text())?.[1]
    assert.ok(chunk !== undefined)
    const lazy = await app.request(`/widgets/${chunk}`)
    assert.equal(lazy.status, 200)
    assert.match(lazy.headers.get("Cache-Control") ?? "", /immutable/)
    assert.equal((await app.request("/widgets/hyperx-widgets.js.map")).status, 200)
  })

  it("#21 the entry carries an ETag: a page load with the bundle cached gets 304 and no body, a changed bundle 200", async () => {
    const first = await app.request("/widgets/hyperx-widgets.js")
    const etag = first.headers.get("ETag") ?? ""
    assert.match(etag, /^"[\w-]{22}"$/)
    const again = await app.request("/widgets/hyperx-widgets.js", { headers: { "If-None-Match": etag } })
    assert.equal(again.status, 304)
    assert.equal((await again.arrayBuffer()).byteLength, 0)
    assert.equal(again.headers.get("ETag"), etag)
    const stale = await app.request("/widgets/hyperx-widgets.js", { headers: { "If-None-Match": '"an-older-bundle"' } })
    assert.equal(stale.status, 200)
    assert.ok((await stale.arrayBuffer()).byteLength > 0)
  })

  it("answers 404 for anything but the bundle's files", async () => {
    for (const path of [
      "/widgets/../package.json",
      "/widgets/%2e%2e/build.ts",
      "/widgets/chunks/nope.js",
      "/widgets/x.css",
    ]) {
      assert.equal((await app.request(path)).status, 404, path)
    }
  })

  it("the demo portal at /demo loads the elements with one script tag", async () => {
    for (const path of ["/demo", "/demo/"]) {
      const page = await app.request(path)
      assert.equal(page.status, 200)
      assert.match(page.headers.get("Content-Type") ?? "", /^text\/html/)
      const html = await page.text()
      assert.deepEqual(html.match(/<script[^>]*\ssrc=[^>]*>/g), [
        '<script type="module" src="/widgets/hyperx-widgets.js">',
      ])
      assert.match(html, /<hx-vm-list[\s>]/)
    }
  })

  it("leaves /demo to the caller when asked", async () => {
    const bare = widgetRoutes(new Hono(), { distDir, demo: false })
    assert.equal((await bare.request("/demo")).status, 404)
  })
})
