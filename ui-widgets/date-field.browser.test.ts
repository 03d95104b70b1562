// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Locator, Page } from "playwright-core"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually, recordEvents } from "./testing/page.ts"

/**
 * #21 the reclaim date follows the element's language, not the browser's: each test runs the page in one language in
 * a browser set to the other (a native <input type=date> would follow the browser).
 */
describe("#21 <hx-date-field>: the reclaim date in the element's language", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  const open = async (body: string, lang: string, browserLocale: string) => {
    const session = await browser.open({ locale: browserLocale })
    await recordEvents(session.page)
    await session.page.goto(w.page(body, { lang }))
    return session
  }
  const parts = (field: Locator) => field.locator("input[data-part]")
  const orderOf = async (field: Locator) =>
    parts(field).evaluateAll((inputs) => inputs.map((i) => [i.getAttribute("data-part"), i.getAttribute("aria-label")]))
  const fieldValue = (field: Locator) => field.evaluate((el) => (el as HTMLElement & { value: string }).value)
  const wizardField = (page: Page) => page.locator("hx-vm-create hx-date-field#reclaimAt")
  const fieldError = (page: Page) => page.locator('hx-vm-create [data-field="reclaimAt"] [part=field-error]')

  it("zh-CN in an en-US browser: year 年 month 月 day 日; typing runs from part to part; arrows step; a day that does not exist is refused", async () => {
    const { page, errors, shoot } = await open(
      `<hx-vm-create token="${w.agent.tokens.owner}"></hx-vm-create>`,
      "zh-CN",
      "en-US",
    )
    const field = wizardField(page)
    await field.waitFor()
    assert.equal(await page.locator("hx-vm-create input[type=date]").count(), 0, "no native date input")
    assert.deepEqual(await orderOf(field), [
      ["year", "年"],
      ["month", "月"],
      ["day", "日"],
    ])
    assert.equal((await field.locator("[role=group]").innerText()).replace(/\s+/g, ""), "年月日")
    await parts(field).first().click()
    await page.keyboard.type("20300305")
    assert.equal(await fieldValue(field), "2030-03-05")
    assert.equal(await fieldError(page).innerText(), "")
    await page.keyboard.press("ArrowUp")
    assert.equal(await fieldValue(field), "2030-03-06", "ArrowUp on the day")
    await shoot("date-field-zh")

    await parts(field).nth(1).fill("02")
    await parts(field).nth(2).fill("30")
    await eventually(
      "the refusal",
      async () => (await fieldError(page).getAttribute("data-rule")) === "reclaim-date-future",
    )
    assert.equal(await field.getAttribute("invalid"), "")
    await parts(field).nth(2).fill("28")
    await eventually("accepted", async () => (await fieldError(page).innerText()) === "")
    assert.equal(await fieldValue(field), "2030-02-28")
    assert.deepEqual(errors, [])
  })

  it("en in a zh-CN browser: month / day / year, labelled Month, Day, Year", async () => {
    const { page, errors } = await open(`<hx-vm-create token="${w.agent.tokens.owner}"></hx-vm-create>`, "en", "zh-CN")
    const field = wizardField(page)
    await field.waitFor()
    assert.deepEqual(await orderOf(field), [
      ["month", "Month"],
      ["day", "Day"],
      ["year", "Year"],
    ])
    assert.equal((await field.locator("[role=group]").innerText()).replace(/\s+/g, ""), "//")
    await parts(field).first().click()
    await page.keyboard.type("03052030")
    assert.equal(await fieldValue(field), "2030-03-05")
    await page.keyboard.press("Backspace")
    await page.keyboard.press("Backspace")
    await page.keyboard.press("Backspace")
    await page.keyboard.press("Backspace")
    await page.keyboard.press("Backspace")
    await eventually("back in the day part", async () =>
      page.evaluate(() => {
        const field = document.querySelector("hx-vm-create")?.shadowRoot?.querySelector("hx-date-field")
        return field?.shadowRoot?.activeElement?.getAttribute("data-part") === "day"
      }),
    )
    assert.deepEqual(errors, [])
  })

  it("the detail's reclaim-date dialog in zh-CN sets the VM's reclaim date through the API", async () => {
    const vm = await w.agent.seedVm({ displayName: "reclaim_zh" })
    const { page, errors } = await open(
      `<hx-vm-detail token="${w.agent.tokens.owner}" vm-id="${vm.id}"></hx-vm-detail>`,
      "zh-CN",
      "en-US",
    )
    const detail = page.locator("hx-vm-detail")
    await detail.locator("[part=header]").waitFor()
    await detail.locator('[data-action="reclaim-date"]').click()
    const field = detail.locator("dialog[open] hx-date-field")
    assert.deepEqual(
      (await orderOf(field)).map(([part]) => part),
      ["year", "month", "day"],
    )
    await parts(field).first().click()
    await page.keyboard.type("20300305")
    await detail.locator("dialog[open] [data-confirm]").click()
    const expected = await page.evaluate(() => new Date("2030-03-05T00:00:00").toISOString())
    await eventually("the VM's reclaim date", async () => {
      const reply = await w.agent.call("GET", `/api/v1/vms/${vm.id}`)
      return reply.body.vm.reclaimAt === expected
    })
    assert.deepEqual(errors, [])
  })
})
