// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Page } from "playwright-core"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually, heardEvents, recordEvents, unnamedControls } from "./testing/page.ts"

/** <hx-recycle-bin> against the real API (G3, B4): restore, purge, and the API's verdicts on the buttons; en and zh. */
describe("the recycle bin in Chromium (G3)", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  const bin = (page: Page) => page.locator("hx-recycle-bin")
  const binRow = (page: Page, vmId: string) => bin(page).locator(`tr[data-vm-id="${vmId}"]`)
  /** Create VMs as the owner and delete them into the recycle bin. */
  const deleted = async (names: ReadonlyArray<string>) => {
    const ids = await w.createVms(names)
    for (const id of ids) {
      const reply = await w.agent.call("DELETE", `/api/v1/vms/${id}`, { as: "owner" })
      assert.equal(reply.status, 202, JSON.stringify(reply.body))
      await w.agent.settle(reply.body.task.id)
    }
    return ids
  }

  it("G3 (English) a superadmin restores a VM back into the list and purges another; the owner may do neither", async () => {
    const [kept = "", gone = ""] = await deleted(["bin_restore", "bin_purge"])
    const owner = await browser.open()
    const detailReads: Array<string> = []
    owner.page.on("request", (request) => {
      if (/\/api\/v1\/vms\/[^/?]+$/.test(new URL(request.url()).pathname)) detailReads.push(request.url())
    })
    await owner.page.goto(w.page(`<hx-recycle-bin token="${w.agent.tokens.owner}"></hx-recycle-bin>`))
    const ownersRestore = binRow(owner.page, kept).locator("[data-act=restore]")
    await eventually("the owner's verdicts", async () => (await ownersRestore.getAttribute("data-rule")) !== null)
    assert.equal(await ownersRestore.isDisabled(), true)
    assert.equal(await ownersRestore.getAttribute("data-rule"), "superadmin-only")
    assert.equal(
      await binRow(owner.page, gone).locator("[data-act=purge]").getAttribute("data-rule"),
      "admin-only",
      "each row's own verdicts",
    )
    assert.deepEqual(detailReads, [], "the rows' verdicts come with the page: no detail read per row")
    assert.notEqual(await ownersRestore.getAttribute("title"), "", "the API's reason on hover")
    assert.deepEqual(owner.errors, [])

    const { page, errors, shoot } = await browser.open()
    await recordEvents(page)
    const token = w.agent.tokens.superadmin
    await page.goto(
      w.page(`<hx-recycle-bin token="${token}"></hx-recycle-bin><hx-vm-list token="${token}"></hx-vm-list>`),
    )
    await binRow(page, gone).waitFor()
    assert.equal(await page.locator(`hx-vm-list tr[data-vm-id="${kept}"]`).count(), 0, "deleted VMs leave the list")
    assert.match(await binRow(page, kept).locator("[data-deleted]").innerText(), /\d/)
    assert.deepEqual(await unnamedControls(page, "hx-recycle-bin"), [])
    const restore = binRow(page, kept).locator("[data-act=restore]")
    await eventually("restore enabled", async () => !(await restore.isDisabled()))
    await shoot("recycle-bin-en")
    await restore.click()
    await page.locator(`hx-vm-list tr[data-vm-id="${kept}"]`).waitFor()
    await eventually("the restored VM left the bin", async () => (await binRow(page, kept).count()) === 0)
    assert.equal((await w.agent.call("GET", `/api/v1/vms/${kept}`)).body.runtime.state, "stopped")
    assert.match(await bin(page).locator("[data-notice]").innerText(), /bin_restore is back/)

    const purge = binRow(page, gone).locator("[data-act=purge]")
    await eventually("purge enabled", async () => !(await purge.isDisabled()))
    await purge.click()
    assert.equal(await w.agent.call("GET", `/api/v1/vms/${gone}`, { as: "superadmin" }).then((r) => r.status), 200)
    await binRow(page, gone).locator("[data-confirm-purge]").click()
    await eventually("the purged VM left the bin", async () => (await binRow(page, gone).count()) === 0)
    assert.equal((await w.agent.call("GET", `/api/v1/vms/${gone}`, { as: "superadmin" })).status, 404)
    const finished = await heardEvents(page, "hx-task-finished")
    assert.deepEqual(
      finished.map((event) => [event.detail.task.operation, event.detail.task.state]),
      [
        ["vm.restore", "succeeded"],
        ["vm.purge", "succeeded"],
      ],
    )
    assert.deepEqual(errors, [])
  })

  it("G3 (中文) 回收站：恢复与彻底删除，彻底删除前需确认，可取消", async () => {
    const [vmId = ""] = await deleted(["bin_zh"])
    const { page, errors, shoot } = await browser.open()
    await page.goto(w.page(`<hx-recycle-bin token="${w.agent.tokens.superadmin}"></hx-recycle-bin>`, { lang: "zh-CN" }))
    const row = binRow(page, vmId)
    const purge = row.locator("[data-act=purge]")
    await eventually("purge enabled", async () => !(await purge.isDisabled()))
    assert.equal((await purge.innerText()).trim(), "彻底删除")
    assert.equal((await row.locator("[data-act=restore]").innerText()).trim(), "恢复")
    await purge.click()
    assert.match(await row.innerText(), /此操作无法撤销/)
    await row.locator("[data-also-disks]").check()
    await shoot("recycle-bin-zh")
    await row.getByRole("button", { name: "取消" }).click()
    assert.equal(await row.locator("[data-confirm-purge]").count(), 0)
    assert.equal((await w.agent.call("GET", `/api/v1/vms/${vmId}`, { as: "superadmin" })).status, 200, "nothing purged")
    assert.deepEqual(errors, [])
  })
})
