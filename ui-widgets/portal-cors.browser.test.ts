// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import type { AddressInfo } from "node:net"
import { after, before, describe, it } from "node:test"
import { serve } from "@hono/node-server"
import { Hono } from "hono"
import { widgetRoutes } from "./serve.ts"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually, recordEvents } from "./testing/page.ts"

/**
 * A portal on its own origin embeds the elements and points them at the agent (api-base): the API answers through
 * CORS (the export's file name included), the events and console WebSockets cross origins as they are.
 */
describe("a portal on another origin, in Chromium (fake driver)", { skip: browserSkip }, () => {
  const origins: Array<string> = []
  let portal: ReturnType<typeof serve> | undefined
  let portalOrigin = ""
  // Registered before the agent's hooks, so the agent's CORS list has the portal's origin when the app is made.
  before(async () => {
    const app = widgetRoutes(new Hono())
    await new Promise<void>((resolve) => {
      portal = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
        portalOrigin = `http://127.0.0.1:${info.port}`
        origins.push(portalOrigin)
        resolve()
      })
    })
  })
  after(() => new Promise<void>((resolve) => (portal ? portal.close(() => resolve()) : resolve())))
  const w = useWidgetAgent({ corsOrigins: origins })
  const browser = useBrowser()

  it("H5 the list, live states, the detail, the console and the export work across origins", async () => {
    const [vmId = ""] = await w.createVms(["cors_vm"])
    const { page, errors, shoot } = await browser.open()
    await recordEvents(page)
    await page.goto(`${portalOrigin}/demo?token=${w.agent.tokens.owner}&api=${encodeURIComponent(w.base())}`)
    const list = page.locator("hx-vm-list")
    await list.locator("input[type=search]").fill("cors_vm")
    const row = list.locator(`tr[data-vm-id="${vmId}"]`)
    await row.locator(".state[data-state=running]").waitFor()
    await list.locator('[part=live][data-live="true"]').waitFor()
    await w.stopVm(vmId)
    await row.locator(".state[data-state=stopped]").waitFor()
    const start = await w.agent.call("POST", `/api/v1/vms/${vmId}/start`)
    await w.agent.settle(start.body.task.id)
    await row.locator(".state[data-state=running]").waitFor()

    await list.locator("input[type=search]").press("Tab")
    await row.locator("[data-open]").click()
    await page.locator("hx-vm-detail [data-action=console]:not([disabled])").click()
    const status = page.locator("hx-vm-console [part=status]")
    await eventually("the console", async () => (await status.getAttribute("data-status")) === "connected")
    const [download] = await Promise.all([page.waitForEvent("download"), list.locator("[data-export]").click()])
    assert.match(download.suggestedFilename(), /^vms-\d{4}-\d{2}-\d{2}\.xlsx$/)
    await shoot("portal-cors")
    assert.deepEqual(errors, [])
  })
})
