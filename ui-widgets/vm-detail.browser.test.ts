// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import type { Page } from "playwright-core"
import { Store } from "../core/index.ts"
import { insertSamples } from "../core/metrics/testing.ts"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually, heardEvents } from "./testing/page.ts"
import { openVmDetail } from "./testing/vm-detail.ts"

/** <hx-vm-detail> (D1–D5) against the real API on the fake driver, in headless Chromium. */
describe("<hx-vm-detail> in Chromium", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  const detail = (page: Page) => page.locator("hx-vm-detail")
  const action = (page: Page, name: string) => detail(page).locator(`[data-action="${name}"]`)
  const open = (vmId: string, lang = "en") => openVmDetail(browser, w, vmId, lang)

  it("D1–D4 the info blocks show the VM as the API describes it", async () => {
    const [vmId = ""] = await w.createVms(["detail_vm"])
    // A GPU passed through to the VM: devices have no name, the block shows vendor and model.
    await w.agent.run(
      Store.use((store) =>
        Effect.flatMap(store.vms.get(vmId), (vm) =>
          store.hostDevices.insert({
            id: "gpu-detail",
            hostId: vm.hostId ?? "",
            kind: "gpu",
            address: "0000:01:00.0",
            vendor: "NVIDIA",
            model: "Tesla T4",
            vendorId: "10de",
            productId: "1eb8",
            iommuGroup: "12",
            driver: "vfio-pci",
            present: true,
            vmId,
          }),
        ),
      ),
    )
    // What the edit actions set (R4 remarks, R5 reclaim date, R7 deletion protection) shows in the basic info.
    const edited = await w.agent.call("PATCH", `/api/v1/vms/${vmId}`, {
      as: "superadmin",
      body: { remarks: "first web server", reclaimAt: "2031-06-30T00:00:00Z", deletionProtected: true },
    })
    assert.equal(edited.status, 200, JSON.stringify(edited.body))
    const { page, errors, shoot } = await open(vmId)
    const text = async (block: string) => detail(page).locator(`[data-block="${block}"]`).innerText()
    const api = (await w.agent.call("GET", `/api/v1/vms/${vmId}`)).body
    assert.match(
      await text("block-basic"),
      new RegExp(`detail_vm[\\s\\S]*${api.vm.hostname}[\\s\\S]*owner[\\s\\S]*Acme[\\s\\S]*ops`),
    )
    assert.match(await text("block-basic"), /Remarks\s+first web server/)
    assert.match(await text("block-basic"), /Reclaim date\s+.*2031/)
    assert.match(await text("block-basic"), /HA\s+Yes[\s\S]*Deletion protection\s+Yes/)
    assert.match(await text("block-runtime"), /Running[\s\S]*zone-a[\s\S]*pod-1[\s\S]*host-1/)
    assert.match(await text("block-config"), /CPUs\s+1[\s\S]*Memory\s+128 MiB[\s\S]*tiny[\s\S]*tiny-linux/)
    assert.match(await text("block-resources"), new RegExp(`${api.resources.disks[0].name}`))
    assert.match(await text("block-resources"), /GPUs?\s+NVIDIA Tesla T4/)
    await shoot("vm-detail")
    assert.deepEqual(errors, [])
  })

  it("actions come from the API's allowedActions: change the answer and the buttons change with it", async () => {
    const [vmId = ""] = await w.createVms(["allowed_vm"])
    const { page, errors } = await open(vmId)
    const api = (await w.agent.call("GET", `/api/v1/vms/${vmId}`)).body
    const start = api.allowedActions.find((a: { action: string }) => a.action === "start")
    assert.equal(start.allowed, false)
    assert.equal(await action(page, "start").isDisabled(), true)
    assert.equal(await action(page, "start").getAttribute("title"), start.message)
    assert.equal(await action(page, "stop").isEnabled(), true)

    const other = await browser.open()
    await other.page.route(`**/api/v1/vms/${vmId}`, async (route) => {
      const response = await route.fetch()
      const body = await response.json()
      body.allowedActions = body.allowedActions.map((entry: { action: string }) =>
        entry.action === "stop"
          ? { ...entry, allowed: false, rule: "made-up-rule", message: "The server says no today" }
          : entry.action === "start"
            ? { action: "start", operation: "vm.start", allowed: true }
            : entry,
      )
      await route.fulfill({ response, json: body })
    })
    await other.page.goto(w.page(`<hx-vm-detail token="${w.agent.tokens.owner}" vm-id="${vmId}"></hx-vm-detail>`))
    await action(other.page, "stop").waitFor()
    assert.equal(await action(other.page, "stop").isDisabled(), true)
    assert.equal(await action(other.page, "stop").getAttribute("title"), "The server says no today")
    assert.equal(await action(other.page, "stop").getAttribute("data-rule"), "made-up-rule")
    assert.equal(await action(other.page, "start").isEnabled(), true)
    assert.deepEqual(errors, [])
  })

  it("B1 B2 stop and start from the detail: tasks announced, state and actions follow live", async () => {
    const [vmId = ""] = await w.createVms(["power_vm"])
    const { page, errors } = await open(vmId)
    await action(page, "stop").click()
    await detail(page).locator("[part=header] .state[data-state=stopped]").waitFor()
    await eventually("start enabled", async () => action(page, "start").isEnabled())
    assert.equal(await action(page, "stop").isDisabled(), true)
    await action(page, "start").click()
    await detail(page).locator("[part=header] .state[data-state=running]").waitFor()
    const started = (await heardEvents(page, "hx-task-started")).map((e) => e.detail.task.operation)
    assert.deepEqual(started, ["vm.stop", "vm.start"])
    await eventually("both finished", async () => (await heardEvents(page, "hx-task-finished")).length === 2)
    // #21: what a portal toasts is said for people, in the element's language, not as operation ids and states.
    const summaries = (await heardEvents(page, "hx-task-finished")).map((e) => e.detail.summary)
    assert.deepEqual(summaries, ["Stop: done", "Start: done"])
    assert.deepEqual(errors, [])
  })

  it("B1 force stop asks first; R2 rename shows the name rule as the user types", async () => {
    const [vmId = ""] = await w.createVms(["ask_vm"])
    const { page, errors, shoot } = await open(vmId)
    await action(page, "force-stop").click()
    const dialog = detail(page).locator("dialog[open]")
    assert.equal(await dialog.locator("h2").innerText(), "Force stop ask_vm?")
    await dialog.getByRole("button", { name: "Cancel" }).click()
    await dialog.waitFor({ state: "detached" })
    assert.equal((await w.agent.call("GET", `/api/v1/vms/${vmId}`)).body.vm.state, "running")
    await action(page, "force-stop").click()
    await dialog.locator("[data-confirm]").click()
    await detail(page).locator("[part=header] .state[data-state=stopped]").waitFor()

    await action(page, "rename").click()
    const input = dialog.locator("#dialog-input")
    await input.fill("x")
    await eventually("the rule", async () =>
      (await dialog.locator("#dialog-error").innerText()).includes("2–20 characters"),
    )
    assert.equal(await dialog.locator("[data-confirm]").isDisabled(), true)
    await shoot("vm-detail-rename")
    await input.fill("renamed_vm")
    await dialog.locator("[data-confirm]").click()
    await eventually("the new name", async () => (await detail(page).locator("#vm-title").innerText()) === "renamed_vm")
    assert.deepEqual(errors, [])
  })

  it("D5 tabs show what the API offers; arrow keys move between them; the console action asks the portal", async () => {
    const [vmId = ""] = await w.createVms(["tabs_vm"])
    const { page, errors, shoot } = await open(vmId)
    const panel = detail(page).locator("[role=tabpanel]")
    const api = (await w.agent.call("GET", `/api/v1/vms/${vmId}`)).body
    assert.match(await panel.innerText(), new RegExp(api.resources.disks[0].name))
    await detail(page).locator("#tab-disks").focus()
    await page.keyboard.press("ArrowRight")
    assert.equal(await detail(page).locator("#tab-network").getAttribute("aria-selected"), "true")
    assert.equal(await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.id), "tab-network")
    await page.keyboard.press("Home")
    assert.equal(await panel.getAttribute("data-tab"), "monitoring")
    const spec: { paths: Record<string, unknown> } = (await w.agent.call("GET", "/api/v1/openapi.json")).body
    const offered = (path: string) => Object.keys(spec.paths).some((p) => p.endsWith(path))
    if (!offered("/vms/{id}/metrics")) await panel.locator("[data-not-offered]").waitFor()
    await page.keyboard.press("End")
    assert.equal(await panel.getAttribute("data-tab"), "cost")
    const quote = (
      await w.agent.call("POST", "/api/v1/vms/quote", { body: { flavorId: api.vm.flavorId, imageId: api.vm.imageId } })
    ).body
    const money = new Intl.NumberFormat("en", { style: "currency", currency: "CNY" }).format(quote.perVmPerDay / 100)
    await eventually("the cost", async () => (await panel.locator("[data-cost-total]").count()) === 1)
    assert.equal(await panel.locator("[data-cost-total]").innerText(), money)
    await page.keyboard.press("ArrowLeft")
    assert.equal(await panel.getAttribute("data-tab"), "snapshots")
    if (!offered("/vms/{id}/snapshots")) await panel.locator("[data-not-offered]").waitFor()
    await shoot("vm-detail-tabs")
    await action(page, "console").click()
    const asked = await eventually("hx-console-open", async () => (await heardEvents(page, "hx-console-open")).at(-1))
    assert.equal(asked.detail.vmId, vmId)
    assert.deepEqual(errors, [])
  })

  it("M1 M3 D5 the monitoring tab charts the VM's samples with their latest values; the cost tab lists its days, in English and Chinese", async () => {
    const [vmId = ""] = await w.createVms(["charts_vm"])
    const start = new Date(Date.now() - 10 * 60_000).toISOString()
    await w.agent.run(insertSamples(vmId, start, 30, [5, 12, 40, 77, 93]))
    const vm = await w.agent.run(Store.use((s) => s.vms.get(vmId)))
    const row = (day: string, flavor: number) => ({
      vmId,
      day,
      flavor,
      storage: 30,
      image: 0,
      publicIp: 0,
      services: 0,
      gpu: 0,
      total: flavor + 30,
      companyId: vm.companyId,
      departmentId: vm.departmentId,
    })
    await w.agent.run(
      Store.use((s) => s.costs.upsertDaily([row("2026-12-04", 1200), row("2026-12-05", 1000)], new Date())),
    )
    for (const lang of ["en", "zh-CN"]) {
      const { page, errors, shoot } = await open(vmId, lang)
      const panel = detail(page).locator("[role=tabpanel]")
      await detail(page).locator("#tab-monitoring").click()
      await panel.locator("[data-metric=cpu] canvas").waitFor()
      assert.equal((await panel.locator(".chart canvas").count()) >= 4, true, "four uPlot charts drew")
      assert.match(await panel.locator("[data-latest=cpu]").innerText(), /^93 %$/)
      assert.match(await panel.locator("[data-latest=memory]").innerText(), /^50 %$/)
      assert.match(await panel.locator("[data-latest=disk]").innerText(), /1,?000 B\/s.*500 B\/s/)
      assert.match(
        await panel.locator("[data-metric=memory] figcaption").innerText(),
        lang === "en" ? /Memory/ : /内存/,
      )
      await shoot(`vm-detail-monitoring-${lang}`)
      await detail(page).locator("#tab-cost").click()
      await panel.locator("[data-cost-days] tbody tr").first().waitFor()
      const days = await panel.locator("[data-cost-days] tbody tr").allInnerTexts()
      assert.match(days.join("\n"), /2026-12-05[\s\S]*2026-12-04/, "newest day first")
      const money = new Intl.NumberFormat(lang, { style: "currency", currency: "CNY" }).format((1230 + 1030) / 100)
      assert.equal(await panel.locator("[data-cost-period]").innerText(), money)
      await panel.locator("[data-cost-total]").waitFor()
      await shoot(`vm-detail-cost-${lang}`)
      assert.deepEqual(errors, [])
    }
  })

  it("#21 danger buttons and muted text keep WCAG AA contrast (4.5:1) on the light and the dark theme", async () => {
    const [vmId = ""] = await w.createVms(["contrast_vm"])
    /** WCAG 2 contrast of the element's text colour against its own background colour. */
    const contrastOf = async (locator: import("playwright-core").Locator) => {
      const [text = "", background = ""] = await locator.evaluate((node) => [
        getComputedStyle(node).color,
        getComputedStyle(node).backgroundColor,
      ])
      const luminance = (colour: string) => {
        const [r = 0, g = 0, b = 0] = (colour.match(/[\d.]+/g) ?? []).slice(0, 3).map((c) => {
          const v = Number(c) / 255
          return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4
        })
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
      }
      const [light = 0, dark = 0] = [luminance(text), luminance(background)].sort((x, y) => y - x)
      return (light + 0.05) / (dark + 0.05)
    }
    for (const theme of ["light", "dark"] as const) {
      const { page, errors } = await browser.open()
      await page.goto(
        w.page(`<hx-vm-detail token="${w.agent.tokens.owner}" vm-id="${vmId}" theme="${theme}"></hx-vm-detail>`),
      )
      await detail(page).locator("[part=header]").waitFor()
      const surface = await detail(page).evaluate((node) => getComputedStyle(node).backgroundColor)
      // The dark theme is dark: its surface is near black (the light one leaves the page's own background).
      if (theme === "dark") assert.equal(surface, "rgb(22, 24, 29)")
      const danger = action(page, "delete")
      assert.equal(await danger.getAttribute("class"), "danger")
      const checks: Array<readonly [string, number]> = [
        ["danger button", await contrastOf(danger)],
        ["plain button", await contrastOf(action(page, "stop"))],
      ]
      await danger.click()
      const confirm = detail(page).locator("dialog[open] [data-confirm]")
      assert.match((await confirm.getAttribute("class")) ?? "", /primary danger/)
      checks.push(["confirm button", await contrastOf(confirm)])
      for (const [what, ratio] of checks) assert.ok(ratio >= 4.5, `${theme}: ${what} ${ratio.toFixed(2)}:1`)
      assert.deepEqual(errors, [])
    }
  })

  it("zh-CN: labels, state and the server's refusal in Chinese", async () => {
    const [vmId = ""] = await w.createVms(["zh_detail"])
    const { page, shoot } = await open(vmId, "zh-CN")
    assert.equal(await detail(page).locator("[part=header] .state").innerText(), "运行")
    assert.equal(await detail(page).locator("#block-basic").innerText(), "基本信息")
    // D5: the manual's name of the tab, "每日成本页".
    assert.equal(await detail(page).locator("#tab-cost").innerText(), "每日成本")
    assert.match((await action(page, "start").getAttribute("title")) ?? "", /[\u4e00-\u9fff]/)
    await shoot("vm-detail-zh-CN")
    await action(page, "stop").click()
    const finished = await eventually("hx-task-finished", async () => (await heardEvents(page, "hx-task-finished"))[0])
    assert.equal(finished.detail.summary, "关机：已完成")
  })
})
