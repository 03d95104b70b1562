// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import type { Page } from "playwright-core"
import { Store } from "../core/index.ts"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually } from "./testing/page.ts"
import { openVmDetail } from "./testing/vm-detail.ts"

/** The disks tab's create and detach (V2, V3) and the reset-password action (R11) against the real API (fake driver). */
describe("<hx-vm-detail> disk operations and password reset in Chromium", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  const detail = (page: Page) => page.locator("hx-vm-detail")
  const panel = (page: Page) => detail(page).locator("[role=tabpanel]")
  const open = (vmId: string, lang = "en", tab?: string) => openVmDetail(browser, w, vmId, lang, tab)
  const disksOf = (vmId: string) => w.agent.run(Store.use((s) => s.disks.list({ vmId })))

  it("V2 V3 V1 (English) create a data disk in the tab, detach it after confirming, attach it again", async () => {
    const [vmId = ""] = await w.createVms(["disk_ops_en"])
    const { page, errors, shoot } = await open(vmId, "en", "disks")
    const form = panel(page).locator("[data-create-disk]")
    await form.locator("input[name=name]").fill("ledger")
    await form.locator("input[name=sizeGiB]").fill("3")
    await form.getByRole("button", { name: "Create and attach" }).click()
    const success = panel(page).locator("[data-notice=success]")
    await success.waitFor()
    assert.equal(await success.innerText(), "Disk ledger created and attached")
    const row = panel(page).locator("tr", { hasText: "ledger" })
    await row.waitFor()
    assert.match(await row.innerText(), /3 GiB/)
    assert.deepEqual(
      (await disksOf(vmId)).filter((d) => d.role === "data").map((d) => [d.name, d.sizeGiB]),
      [["ledger", 3]],
    )
    assert.equal(await panel(page).locator("tr", { hasText: "system" }).locator("[data-act=detach]").count(), 0)
    await shoot("vm-detail-disk-created")

    await row.locator("[data-act=detach]").click()
    const dialog = detail(page).locator("dialog[open]")
    assert.equal(await dialog.locator("h2").innerText(), "Detach disk ledger? Its data stays on the disk.")
    await dialog.locator("[data-confirm]").click()
    await panel(page).locator("[data-notice=success]", { hasText: "Disk ledger detached" }).waitFor()
    await row.waitFor({ state: "detached" })
    assert.deepEqual(
      (await disksOf(vmId)).map((d) => d.role),
      ["system"],
    )

    // V1: the detached disk is offered among the department's unattached disks; attaching it brings it back.
    const attach = panel(page).locator("[data-attach-disk]")
    await attach.locator("option", { hasText: "ledger" }).waitFor({ state: "attached" })
    await attach.getByRole("button", { name: "Attach" }).click()
    await panel(page).locator("[data-notice=success]", { hasText: "Disk ledger attached" }).waitFor()
    await panel(page).locator("tr", { hasText: "ledger" }).waitFor()
    assert.deepEqual(
      (await disksOf(vmId)).filter((d) => d.role === "data").map((d) => d.name),
      ["ledger"],
    )
    assert.deepEqual(errors, [])
  })

  it("V2 (中文) a refused create shows the API's Chinese message and rule; nothing is created (#21: before the click)", async () => {
    const [vmId = ""] = await w.createVms(["disk_ops_zh"])
    const snap = await w.agent.call("POST", `/api/v1/vms/${vmId}/snapshots`, { body: {} })
    await w.agent.settle(snap.body.task.id)
    const { page, errors, shoot } = await open(vmId, "zh-CN", "disks")
    const form = panel(page).locator("[data-create-disk]")
    await form.locator("input[name=name]").fill("账本")
    // #21: the VM's create-disk verdict disables the button, with the API's Chinese message on hover and its rule.
    const create = form.getByRole("button", { name: "创建并挂载" })
    assert.equal(await create.isDisabled(), true)
    assert.equal(await create.getAttribute("data-rule"), "no-snapshots")
    const direct = await w.agent.call("POST", `/api/v1/vms/${vmId}/disks`, {
      body: { name: "x", sizeGiB: 1 },
      lang: "zh-CN",
    })
    assert.equal(await create.getAttribute("title"), direct.body.error.message)
    assert.equal((await disksOf(vmId)).length, 1)
    await shoot("vm-detail-disk-refused-zh")
    assert.deepEqual(errors, [])
  })

  it("R11 reset password on a stopped VM: confirmed, the new password shown once and equal to the API's", async () => {
    const [vmId = ""] = await w.createVms(["pw_reset"])
    await w.stopVm(vmId)
    const { page, errors } = await open(vmId, "en")
    const reset = detail(page).locator(`[data-action="reset-password"]`)
    await reset.click()
    await detail(page).locator("dialog[open] [data-confirm]").click()
    const password = await detail(page).locator("dialog[open] [data-password]").innerText()
    assert.match(password, /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[A-Za-z\d]{6,32}$/)
    const shown = await w.agent.call("POST", `/api/v1/vms/${vmId}/password`)
    assert.equal(shown.body.password, password)
    assert.equal((await w.agent.run(Store.use((s) => s.vms.get(vmId)))).passwordPending, true)
    assert.deepEqual(errors, [])
  })

  it("K1 (中文) the resize dialog offers the flavors; the chosen one applies and the VM runs again", async () => {
    const [vmId = ""] = await w.createVms(["resize_zh"])
    await w.stopVm(vmId)
    const flavor = await w.agent.run(
      Store.use((s) =>
        s.flavors.insert({
          id: randomUUID(),
          name: "medium",
          cpus: 2,
          memoryMiB: 256,
          gpuAllowed: false,
          perDay: 300,
          createdAt: new Date(),
        }),
      ),
    )
    const { page, errors, shoot } = await open(vmId, "zh-CN")
    const resize = detail(page).locator(`[data-action="resize"]`)
    assert.equal((await resize.innerText()).trim(), "调整配置")
    await resize.click()
    const dialog = detail(page).locator("dialog[open]")
    assert.equal(await dialog.locator("h2").innerText(), "调整配置")
    await dialog.locator("select#dialog-input").selectOption(flavor.id)
    await shoot("vm-detail-resize-zh")
    await dialog.locator("[data-confirm]").click()
    const vm = await eventually("the resized VM to run", async () => {
      const current = await w.agent.run(Store.use((s) => s.vms.get(vmId)))
      return current.state === "running" && current
    })
    assert.deepEqual([vm.flavorId, vm.cpus, vm.memoryMiB], [flavor.id, 2, 256])
    assert.deepEqual(errors, [])
  })

  it("K4 (English) sockets that do not divide the CPUs show the API's rule; a valid count is written", async () => {
    const [vmId = ""] = await w.createVms(["sockets_en"])
    await w.stopVm(vmId)
    const { page, errors } = await open(vmId, "en")
    const dialog = detail(page).locator("dialog[open]")
    const cpus = (await w.agent.run(Store.use((s) => s.vms.get(vmId)))).cpus
    await detail(page).locator(`[data-action="sockets"]`).click()
    await dialog.locator("#dialog-input").fill(String(cpus + 1))
    await dialog.locator("[data-confirm]").click()
    const banner = detail(page).locator("[part=error]")
    await banner.waitFor()
    assert.equal(await banner.getAttribute("data-rule"), "sockets-divide-cpus")
    await detail(page).locator(`[data-action="sockets"]`).click()
    await dialog.locator("#dialog-input").fill(String(cpus))
    await dialog.locator("[data-confirm]").click()
    await banner.waitFor({ state: "detached" })
    const vm = await w.agent.run(Store.use((s) => s.vms.get(vmId)))
    assert.deepEqual([vm.sockets, vm.coresPerSocket], [cpus, 1])
    assert.deepEqual(errors, [])
  })
})
