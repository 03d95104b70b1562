// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Page } from "playwright-core"
import { Store } from "../core/index.ts"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually } from "./testing/page.ts"
import { openVmDetail } from "./testing/vm-detail.ts"

/** <hx-affinity-groups> (admin CRUD) and join/leave in <hx-vm-detail> against the real API (R10), en and zh. */
describe("affinity groups in Chromium (R10)", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  const element = (page: Page) => page.locator("hx-affinity-groups")
  const groupsOf = async (departmentId: string) =>
    (
      (await w.agent.call("GET", `/api/v1/affinity-groups?departmentId=${departmentId}`, { as: "superadmin" })).body
        .items as ReadonlyArray<{ name: string; policy: string }>
    ).map((g) => `${g.name}:${g.policy}`)

  it("R10 (English) an admin creates an anti-affinity and an affinity group and deletes one; a user is refused", async () => {
    const department = w.agent.users.admin.departmentId
    const { page, errors, shoot } = await browser.open()
    await page.goto(w.page(`<hx-affinity-groups token="${w.agent.tokens.admin}"></hx-affinity-groups>`))
    const groups = element(page)
    await groups.locator("table").waitFor()
    assert.equal(await groups.locator("[data-create]").isDisabled(), true, "no name yet")
    await groups.locator("#group-name").fill("web-spread")
    await groups.locator("[data-create]").click()
    await eventually("web-spread", async () => (await groups.locator("tr[data-group]").count()) === 1)
    await groups.locator("#group-name").fill("db-together")
    await groups.locator("#group-policy").selectOption("affinity")
    await groups.locator("[data-create]").click()
    await eventually("two groups", async () => (await groups.locator("tr[data-group]").count()) === 2)
    assert.deepEqual((await groupsOf(department)).sort(), ["db-together:affinity", "web-spread:anti-affinity"])
    const row = groups.locator("tr[data-group]", { hasText: "db-together" })
    assert.equal(await row.locator("[part=policy]").innerText(), "Affinity (same host)")
    await shoot("affinity-groups-en")
    await row.locator("[data-delete]").click()
    await row.locator("[data-confirm-delete]").click()
    await eventually("one group", async () => (await groups.locator("tr[data-group]").count()) === 1)
    assert.deepEqual(await groupsOf(department), ["web-spread:anti-affinity"])
    assert.deepEqual(errors, [])

    const user = await browser.open()
    await user.page.goto(w.page(`<hx-affinity-groups token="${w.agent.tokens.owner}"></hx-affinity-groups>`))
    await element(user.page).locator("#group-name").fill("mine")
    await element(user.page).locator("[data-create]").click()
    await eventually("the refusal", async () => (await element(user.page).locator("[part=error]").count()) === 1)
  })

  it("R10 (中文) 停止的虚拟机加入亲和组，再退出", async () => {
    const [vmId = ""] = await w.createVms(["affinity_zh"])
    const department = w.agent.users.owner.departmentId
    const made = await w.agent.call("POST", "/api/v1/affinity-groups", {
      as: "superadmin",
      body: { name: "zh-spread", policy: "anti-affinity", departmentId: department },
    })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    await w.stopVm(vmId)
    const groupsOfVm = async () => (await w.agent.run(Store.use((s) => s.vms.get(vmId)))).affinityGroupIds
    const { page, errors, shoot } = await openVmDetail(browser, w, vmId, "zh-CN")
    const action = page.locator("hx-vm-detail").locator(`[data-action="affinity"]`)
    assert.equal((await action.innerText()).trim(), "亲和组")
    await action.click()
    const dialog = page.locator("hx-vm-detail").locator("dialog[open]")
    assert.match(await dialog.innerText(), /虚拟机所属的亲和组/)
    await dialog.locator(`input[data-key="${made.body.id}"]`).check()
    await shoot("vm-detail-affinity-zh")
    await dialog.locator("[data-confirm]").click()
    await eventually("joined", async () => (await groupsOfVm()).includes(made.body.id))

    await action.click()
    assert.equal(await dialog.locator(`input[data-key="${made.body.id}"]`).isChecked(), true)
    await dialog.locator(`input[data-key="${made.body.id}"]`).uncheck()
    await dialog.locator("[data-confirm]").click()
    await eventually("left", async () => (await groupsOfVm()).length === 0)
    assert.deepEqual(errors, [])
  })
})
