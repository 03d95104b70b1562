import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Page } from "playwright-core"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { openVmDetail } from "./testing/vm-detail.ts"

/**
 * #21 L7: the detail's form buttons follow the core's preview like its row buttons: "Take snapshot" from the VM's
 * `snapshot` verdict, "Create disk" from `create-disk`; disabled with the API's own refusal on hover.
 */
describe("#21 <hx-vm-detail>: take snapshot and create disk follow the preview", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  const panel = (page: Page) => page.locator("hx-vm-detail [role=tabpanel]")
  const api = (method: string, path: string, body?: unknown) =>
    w.agent.call(method, `/api/v1${path}`, body === undefined ? {} : { body })
  const settled = async (method: string, path: string, body?: unknown) => {
    const reply = await api(method, path, body)
    assert.equal(reply.status, 202, JSON.stringify(reply.body))
    assert.equal((await w.agent.settle(reply.body.task.id)).state, "succeeded")
  }

  it("P1 on a VM whose disk has a backup, take snapshot is disabled with the API's refusal; on another VM it is offered", async () => {
    const [vmId = "", freeId = ""] = await w.createVms(["take_refused", "take_offered"])
    const [disk] = (await api("GET", `/vms/${vmId}/disks`)).body.items
    await settled("POST", `/vms/${vmId}/disks/${disk.id}/backups`, {})
    const { page, errors, shoot } = await openVmDetail(browser, w, vmId, "en", "snapshots")
    const take = panel(page).locator("[data-take-snapshot] [data-act=take]")
    await take.waitFor()
    const direct = await api("POST", `/vms/${vmId}/snapshots`, { name: "refused" })
    assert.equal(direct.status, 409)
    assert.equal(direct.body.error.rule, "no-backups")
    assert.equal(await take.isDisabled(), true)
    assert.equal(await take.getAttribute("data-rule"), "no-backups")
    assert.equal(await take.getAttribute("title"), direct.body.error.message)
    assert.equal(await take.getAttribute("aria-description"), direct.body.error.message)
    assert.deepEqual((await api("GET", `/vms/${vmId}/snapshots`)).body.items, [])
    await shoot("vm-detail-take-snapshot-refused")

    const other = await openVmDetail(browser, w, freeId, "en", "snapshots")
    const offered = panel(other.page).locator("[data-take-snapshot] [data-act=take]")
    await offered.waitFor()
    assert.equal(await offered.isDisabled(), false)
    assert.equal(await offered.getAttribute("data-rule"), null)
    assert.deepEqual([...errors, ...other.errors], [])
  })

  it("V2 on a VM with a snapshot, create disk is disabled with the API's refusal", async () => {
    const [vmId = ""] = await w.createVms(["create_disk_refused"])
    await settled("POST", `/vms/${vmId}/snapshots`, { name: "kept" })
    const { page, errors } = await openVmDetail(browser, w, vmId, "en", "disks")
    const create = panel(page).locator("[data-create-disk] [data-act=create]")
    await create.waitFor()
    const direct = await api("POST", `/vms/${vmId}/disks`, { name: "refused", sizeGiB: 1 })
    assert.equal(direct.status, 409)
    assert.equal(await create.isDisabled(), true)
    assert.equal(await create.getAttribute("data-rule"), direct.body.error.rule)
    assert.equal(await create.getAttribute("title"), direct.body.error.message)
    assert.deepEqual(errors, [])
  })
})
