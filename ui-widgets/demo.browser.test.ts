// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually, recordEvents, unnamedControls } from "./testing/page.ts"
import { walkPortal } from "./testing/portal-flow.ts"

/**
 * The demo portal served by the agent at /demo, on the fake driver: the acceptance walk in English and Chinese, and
 * the portal's theme reaching inside the elements. The same walk runs against real QEMU in portal.qemu.browser.test.ts.
 */
describe("the demo portal at /demo in Chromium (fake driver)", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()

  for (const lang of ["en", "zh-CN"] as const) {
    it(`${lang}: create with the wizard, see it run live, open its console, batch-stop it, export XLSX`, async () => {
      const { page, errors, shoot } = await browser.open()
      await recordEvents(page)
      // A new user's first look at the console: no request of the page's own fails (the favicon was a 404).
      const failedLoads: Array<string> = []
      page.on("console", (message) => {
        if (message.type() === "error" && message.location().url.endsWith("/favicon.ico")) {
          failedLoads.push(message.location().url)
        }
      })
      const vmName = `demo_${lang === "en" ? "en" : "zh"}_vm`
      const result = await walkPortal({
        page,
        url: `${w.base()}/demo?token=${w.agent.tokens.owner}&lang=${lang}`,
        vmName,
        label: `demo-fake-${lang}`,
        shoot,
        bootMs: 15_000,
      })
      const [header, ...rows] = result.sheet
      assert.equal(header?.[0], lang === "en" ? "Name" : "名称")
      const state = header?.indexOf(lang === "en" ? "Status" : "状态") ?? -1
      const row = rows.find((cells) => cells[0] === vmName)
      assert.equal(row?.[state], lang === "en" ? "stopped" : "关闭")
      assert.deepEqual(failedLoads, [])
      assert.deepEqual(errors, [])
    })
  }

  it("one script tag; the portal's custom properties and ::part rules theme the elements", async () => {
    const { page, errors } = await browser.open()
    await page.goto(`${w.base()}/demo?token=${w.agent.tokens.owner}`)
    await page.locator("hx-vm-list [part=table]").waitFor()
    const scripts = await page.locator("script[src]").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("src")))
    assert.deepEqual(scripts, ["/widgets/hyperx-widgets.js"])
    await page.locator("[data-page=request]").click()
    const current = page.locator("hx-vm-create [data-step=basic]")
    assert.equal(await current.evaluate((el) => getComputedStyle(el).backgroundColor), "rgb(11, 110, 79)")
    const quoteBorder = await page
      .locator("hx-vm-create [part=quote]")
      .evaluate((el) => getComputedStyle(el).borderTopColor)
    assert.equal(quoteBorder, "rgb(229, 159, 27)")
    const bundle = await page.request.get(`${w.base()}/widgets/hyperx-widgets.js`)
    assert.equal(bundle.headers()["access-control-allow-origin"], "*")
    assert.match(bundle.headers()["content-type"] ?? "", /^text\/javascript/)
    assert.deepEqual(errors, [])
  })

  it("G3: the portal's recycle bin page; a superadmin restores a deleted VM back into My machines (zh-CN)", async () => {
    const [vmId = ""] = await w.createVms(["demo_bin_vm"])
    const deleted = await w.agent.call("DELETE", `/api/v1/vms/${vmId}`)
    assert.equal(deleted.status, 202, JSON.stringify(deleted.body))
    await w.agent.settle(deleted.body.task.id)
    const { page, errors, shoot } = await browser.open()
    await page.goto(`${w.base()}/demo?token=${w.agent.tokens.superadmin}&lang=zh-CN`)
    await page.locator("[data-page=bin]").click()
    assert.equal((await page.locator("[data-page=bin]").innerText()).trim(), "回收站")
    const row = page.locator(`hx-recycle-bin tr[data-vm-id="${vmId}"]`)
    const restore = row.locator("[data-act=restore]")
    await restore.waitFor()
    await eventually("restore enabled", async () => !(await restore.isDisabled()))
    assert.deepEqual(await unnamedControls(page, "hx-recycle-bin"), [])
    await shoot("demo-recycle-bin-zh")
    await restore.click()
    await eventually("left the bin", async () => (await row.count()) === 0)
    await page.locator("[data-page=machines]").click()
    await page.locator(`hx-vm-list tr[data-vm-id="${vmId}"]`).waitFor()
    assert.deepEqual(errors, [])
  })

  it("keyboard and labels: every control of every element is named; Enter steps the wizard and focus follows", async () => {
    const [vmId = ""] = await w.createVms(["labels_vm"])
    const { page, errors } = await browser.open()
    await page.goto(`${w.base()}/demo?token=${w.agent.tokens.owner}`)
    await page.locator("hx-vm-list [part=table]").waitFor()
    await page.getByRole("button", { name: "Filters", exact: true }).click()
    assert.deepEqual(await unnamedControls(page, "hx-vm-list"), [])
    await page.locator("[data-page=request]").click()
    const wizard = page.locator("hx-vm-create")
    await wizard.locator("#name").fill("keyboard_vm")
    await wizard.locator("#name").press("Enter")
    assert.equal(await wizard.locator("form").getAttribute("data-current-step"), "image")
    const focused = () => page.evaluate(() => document.querySelector("hx-vm-create")?.shadowRoot?.activeElement?.id)
    assert.equal(await focused(), "step-title")
    await wizard.getByRole("radio").first().focus()
    await page.keyboard.press("Space")
    await page.keyboard.press("Enter")
    assert.equal(await wizard.locator("form").getAttribute("data-current-step"), "config")
    await wizard.getByRole("button", { name: "Add a data disk" }).click()
    assert.deepEqual(await unnamedControls(page, "hx-vm-create"), [])
    await page.locator("[data-page=machines]").click()
    await page.evaluate((id) => {
      document.querySelector("hx-vm-detail")?.setAttribute("vm-id", id)
      document.querySelector("hx-vm-console")?.setAttribute("vm-id", id)
    }, vmId)
    await page.locator("hx-vm-detail [part=header]").waitFor({ state: "attached" })
    assert.deepEqual(await unnamedControls(page, "hx-vm-detail"), [])
    assert.deepEqual(await unnamedControls(page, "hx-vm-console"), [])
    assert.deepEqual(errors, [])
  })
})
