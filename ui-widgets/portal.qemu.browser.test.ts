// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
/**
 * The acceptance walk against a real agent (`startAgent`, as `npm start` runs it) with real QEMU guests, through the
 * demo portal the agent serves at /demo: create a VM with the wizard, see it reach running without reloading, open its
 * console and see the guest's screen (canvas pixels), stop it with a batch action, export XLSX. Screenshots go to
 * artifacts/screenshots/. In English only: the same walk in Chinese runs on the fake driver (demo.browser.test.ts),
 * and the language changes nothing the guest does. (A portal on another origin: portal-cors.browser.test.ts.)
 */
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Page } from "playwright-core"
import { useQemuAgent } from "../agent/testing/qemu-agent.ts"
import { qemuInstalled } from "../plugins/qemu/driver/testing.ts"
import { buildWidgets } from "./build.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually, recordEvents } from "./testing/page.ts"
import { walkPortal } from "./testing/portal-flow.ts"

const skip = browserSkip || (qemuInstalled() ? false : "QEMU is not installed")

/** Share of the console canvas's pixels that differ from black: the guest drew something. */
const litShare = (page: Page) =>
  page.locator("hx-vm-console canvas").evaluate((canvas: HTMLCanvasElement) => {
    const context = canvas.getContext("2d")
    if (context === null || canvas.width === 0 || canvas.height === 0) return 0
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height)
    let lit = 0
    for (let i = 0; i < data.length; i += 4) if ((data[i] ?? 0) + (data[i + 1] ?? 0) + (data[i + 2] ?? 0) > 48) lit++
    return lit / (data.length / 4)
  })

describe("the demo portal against a real agent on QEMU, in Chromium", { skip, timeout: 900_000 }, () => {
  const browser = useBrowser()
  const { live: running, log } = useQemuAgent("hx-widgets-", buildWidgets)

  it("B5 L1–L7 C1–C8 en: wizard, running live, guest screen in the console, batch stop, XLSX", async () => {
    const live = running()
    assert.ok(live.token, log.join("\n"))
    const { page, errors, shoot } = await browser.open()
    await recordEvents(page)
    const vmName = "portal_en"
    const result = await walkPortal({
      page,
      url: `${live.origin}/demo?token=${live.token}&lang=en`,
      vmName,
      label: "portal-qemu-en",
      shoot,
      bootMs: 180_000,
      // The guest's screen (SeaBIOS, then the kernel) lights pixels of the noVNC canvas; a blank screen never does.
      checkScreen: (screen) =>
        eventually("the guest's screen", async () => (await litShare(screen)) > 0.002, 120_000).then(() => {}),
    })
    const [header, ...rows] = result.sheet
    const state = header?.indexOf("Status") ?? -1
    assert.equal(rows.find((cells) => cells[0] === vmName)?.[state], "stopped")
    const destroyed = await fetch(`${live.origin}/api/v1/vms/${result.vmId}?destroy=true`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${live.token}` },
    })
    assert.equal(destroyed.status, 202)
    assert.deepEqual(errors, [])
  })
})
