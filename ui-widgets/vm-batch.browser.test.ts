// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Page } from "playwright-core"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually, heardEvents, recordEvents } from "./testing/page.ts"

/** L7 batches and live states in <hx-vm-list>, against the real API and events stream on the fake driver. */
describe("<hx-vm-list> batches and live states in Chromium", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  const row = (page: Page, vmId: string) => page.locator(`hx-vm-list tr[data-vm-id="${vmId}"]`)
  const stateOf = (page: Page, vmId: string) => row(page, vmId).locator(".state").getAttribute("data-state")
  /** A marker that a reload would wipe: the list must change without one. */
  const markPage = (page: Page) => page.evaluate(() => Object.assign(window, { __notReloaded: true }))
  const notReloaded = (page: Page) =>
    page.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded)

  const openList = async (search: string) => {
    const session = await browser.open()
    await recordEvents(session.page)
    await session.page.goto(w.page(`<hx-vm-list token="${w.agent.tokens.owner}"></hx-vm-list>`))
    await session.page.locator("hx-vm-list input[type=search]").fill(search)
    return session
  }

  it("L7 batch stop: the dialog lists the VMs, warns about the one the API says cannot stop, reports each outcome", async () => {
    const [first, second] = await w.createVms(["batch_on_1", "batch_on_2"])
    const off = await w.agent.seedVm({ displayName: "batch_off" })
    const { page, errors, shoot } = await openList("batch_")
    await eventually("three rows", async () => (await page.locator("hx-vm-list tbody tr[data-vm-id]").count()) === 3)
    await markPage(page)
    await page.getByRole("checkbox", { name: "Select every VM on this page" }).check()
    const selection = await eventually("the selection event", async () =>
      (await heardEvents(page, "hx-selection-change")).at(-1),
    )
    assert.equal(selection.detail.vmIds.length, 3)

    await page.locator("hx-vm-list [data-batch=stop]").click()
    const dialog = page.locator("hx-vm-list dialog[open]")
    await dialog.locator(`li[data-vm-id="${off.id}"] [data-warning]`).waitFor()
    const expected = (await w.agent.call("GET", `/api/v1/vms/${off.id}`)).body.allowedActions.find(
      (a: { action: string }) => a.action === "stop",
    )
    assert.equal(expected.allowed, false)
    assert.equal(await dialog.locator(`li[data-vm-id="${off.id}"] [data-warning]`).innerText(), `⚠ ${expected.message}`)
    assert.equal(await dialog.locator("[data-warning]").count(), 1)
    assert.deepEqual((await dialog.locator("li strong").allInnerTexts()).sort(), [
      "batch_off",
      "batch_on_1",
      "batch_on_2",
    ])
    await shoot("vm-list-batch-confirm")

    await dialog.locator("[data-run]").click()
    await dialog.locator("[data-outcome]").nth(2).waitFor()
    assert.equal(await dialog.locator("[data-outcome=accepted]").count(), 2)
    assert.equal(
      await dialog.locator(`li[data-vm-id="${off.id}"] [data-outcome=refused]`).getAttribute("data-rule"),
      "lifecycle-state",
    )
    await shoot("vm-list-batch-outcomes")
    await dialog.getByRole("button", { name: "Close" }).click()

    for (const vmId of [first ?? "", second ?? ""]) {
      await eventually(`${vmId} stopped in the list`, async () => (await stateOf(page, vmId)) === "stopped")
    }
    assert.equal(await notReloaded(page), true)
    const started = await heardEvents(page, "hx-task-started")
    const operations = started.map((event) => event.detail.task.operation).sort()
    assert.deepEqual(operations, ["vm.batch", "vm.stop", "vm.stop"])
    await eventually("each stop's hx-task-finished", async () => {
      const finished = await heardEvents(page, "hx-task-finished")
      return (
        finished.filter((event) => event.detail.task.operation === "vm.stop" && event.detail.task.state === "succeeded")
          .length === 2
      )
    })
    assert.deepEqual(errors, [])
  })

  it("L7 P1 batch snapshot: each VM's outcome; the one whose disk has a backup is refused with no-backups", async () => {
    const [plain = "", backedUp = ""] = await w.createVms(["snap_batch_1", "snap_batch_2"])
    const disks = await w.agent.call("GET", `/api/v1/vms/${backedUp}/disks`)
    const backup = await w.agent.call("POST", `/api/v1/vms/${backedUp}/disks/${disks.body.items[0].id}/backups`, {
      body: {},
    })
    assert.equal((await w.agent.settle(backup.body.task.id)).state, "succeeded")
    const { page, errors, shoot } = await openList("snap_batch")
    await eventually("two rows", async () => (await page.locator("hx-vm-list tbody tr[data-vm-id]").count()) === 2)
    await page.getByRole("checkbox", { name: "Select every VM on this page" }).check()
    await page.locator("hx-vm-list [data-batch=snapshot]").click()
    const dialog = page.locator("hx-vm-list dialog[open]")
    // #21: the API's snapshot verdict warns before running; one VM allows it, so Run stays enabled
    const warning = dialog.locator(`li[data-vm-id="${backedUp}"] [data-warning]`)
    await warning.waitFor()
    assert.equal(await warning.getAttribute("data-rule"), "no-backups")
    assert.equal(await dialog.locator(`li[data-vm-id="${plain}"] [data-warning]`).count(), 0)
    assert.equal(await dialog.locator("[data-run]").isDisabled(), false)
    await dialog.locator("[data-run]").click()
    await dialog.locator("[data-outcome]").nth(1).waitFor()
    assert.equal(
      await dialog.locator(`li[data-vm-id="${plain}"] [data-outcome]`).getAttribute("data-outcome"),
      "accepted",
    )
    const refused = dialog.locator(`li[data-vm-id="${backedUp}"] [data-outcome=refused]`)
    assert.equal(await refused.getAttribute("data-rule"), "no-backups")
    await shoot("vm-list-batch-snapshot")
    await eventually("the snapshot listed", async () => {
      const listed = await w.agent.call("GET", `/api/v1/vms/${plain}/snapshots`)
      return listed.body.items.length === 1 && listed.body.items[0].state === "ready"
    })
    assert.equal((await w.agent.call("GET", `/api/v1/vms/${backedUp}/snapshots`)).body.items.length, 0)
    assert.deepEqual(errors, [])
  })

  it("L7 #21 when every selected VM refuses, Run is disabled with the API's reason and rule; nothing is submitted", async () => {
    const one = await w.agent.seedVm({ displayName: "all_off_1" })
    const two = await w.agent.seedVm({ displayName: "all_off_2" })
    const { page, errors, shoot } = await openList("all_off_")
    await eventually("two rows", async () => (await page.locator("hx-vm-list tbody tr[data-vm-id]").count()) === 2)
    await page.getByRole("checkbox", { name: "Select every VM on this page" }).check()
    await page.locator("hx-vm-list [data-batch=stop]").click()
    const dialog = page.locator("hx-vm-list dialog[open]")
    await dialog.locator("[data-warning]").nth(1).waitFor()
    const run = dialog.locator("[data-run]")
    // the run's own refusal of each VM, asked of the API directly
    const direct = await w.agent.call("POST", `/api/v1/vms/${one.id}/stop`)
    assert.equal(direct.status, 409)
    assert.equal(await run.isDisabled(), true)
    assert.equal(await run.getAttribute("data-rule"), direct.body.error.rule)
    assert.equal(await run.getAttribute("title"), direct.body.error.message)
    assert.equal(await dialog.locator("p.warning").innerText(), "None of these VMs allows this action now:")
    for (const vm of [one, two]) {
      assert.equal(
        await dialog.locator(`li[data-vm-id="${vm.id}"] [data-warning]`).getAttribute("data-rule"),
        direct.body.error.rule,
      )
    }
    await shoot("vm-list-batch-all-refused")
    // Force-stop is refused too; start is not: Run follows the choice
    await dialog.getByRole("checkbox").check()
    assert.equal(await run.isDisabled(), true)
    await dialog.locator("[data-close]").click()
    await page.locator("hx-vm-list [data-batch=start]").click()
    await dialog.locator("[data-run]:not([disabled])").waitFor()
    assert.equal(await dialog.locator("[data-warning]").count(), 0)
    assert.equal(await dialog.locator("[data-run]").getAttribute("title"), null)
    const batches = (await heardEvents(page, "hx-task-started")).filter((e) => e.detail.task.operation === "vm.batch")
    assert.deepEqual(batches, [])
    assert.deepEqual(errors, [])
  })

  it("live: states changed outside the widget (API calls) appear without reloading", async () => {
    const [vmId = ""] = await w.createVms(["live_vm"])
    const { page, errors } = await openList("live_vm")
    await eventually("running", async () => (await stateOf(page, vmId)) === "running")
    await page.locator('hx-vm-list [part=live][data-live="true"]').waitFor()
    await markPage(page)
    await w.stopVm(vmId)
    await eventually("stopped without reload", async () => (await stateOf(page, vmId)) === "stopped")
    const start = await w.agent.call("POST", `/api/v1/vms/${vmId}/start`)
    await w.agent.settle(start.body.task.id)
    await eventually("running again", async () => (await stateOf(page, vmId)) === "running")
    assert.equal(await notReloaded(page), true)
    assert.deepEqual(errors, [])
  })

  it("L7 batch delete: accepted VMs leave the list", async () => {
    const vm = await w.agent.seedVm({ displayName: "gone_vm" })
    const { page, errors } = await openList("gone_vm")
    await row(page, vm.id).waitFor()
    await page.getByRole("checkbox", { name: "Select gone_vm" }).check()
    await page.locator("hx-vm-list [data-batch=delete]").click()
    const dialog = page.locator("hx-vm-list dialog[open]")
    await dialog.locator("[data-run]").click()
    await dialog.locator("[data-outcome=accepted]").waitFor()
    await dialog.getByRole("button", { name: "Close" }).click()
    await row(page, vm.id).waitFor({ state: "detached" })
    assert.equal(await page.locator("hx-vm-list [part=batch-bar] [role=status]").innerText(), "0 selected")
    assert.deepEqual(errors, [])
  })
})
