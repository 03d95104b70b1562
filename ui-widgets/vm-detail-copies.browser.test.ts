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

/** The clone (R8), reinstall (K2) and create-image (K3) dialogs against the real API (fake driver), in English and Chinese. */
describe("<hx-vm-detail> clone, reinstall and create image in Chromium", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  const detail = (page: Page) => page.locator("hx-vm-detail")
  const open = (vmId: string, lang = "en") => openVmDetail(browser, w, vmId, lang)
  const vmsNamed = (name: string) =>
    w.agent.run(Store.use((s) => s.vms.list({}))).then((vms) => vms.filter((vm) => vm.displayName === name))
  /**
   * The clone named `name`, once it runs and the source's clone task has succeeded: its own start task holds the
   * clone's lock for a moment after the list shows it running (a password read then answers vm-busy, 409).
   */
  const cloneMade = (sourceId: string, name: string) =>
    eventually("the clone task to succeed and the clone to run", async () => {
      const tasks = (await w.agent.call("GET", `/api/v1/tasks?vmId=${sourceId}`)).body.items as ReadonlyArray<{
        readonly operation: string
        readonly state: string
      }>
      if (!tasks.some((task) => task.operation === "vm.clone" && task.state === "succeeded")) return false
      const found = await vmsNamed(name)
      return found.length === 1 && found[0]?.state === "running" && found[0]
    })

  it("R8 (English) a bad password is refused before sending; the clone is made with the chosen one, shown once", async () => {
    const [vmId = ""] = await w.createVms(["clone_src_en"])
    const { page, errors, shoot } = await open(vmId, "en")
    const clone = detail(page).locator(`[data-action="clone"]`)
    assert.equal((await clone.innerText()).trim(), "Clone")
    await clone.click()
    const dialog = detail(page).locator("dialog[open]")
    assert.equal(await dialog.locator("h2").innerText(), "Clone")
    await dialog.locator("#dialog-input").fill("clone_en_1")
    await dialog.locator("#dialog-secret").fill("short")
    assert.match(await dialog.locator("#dialog-error").innerText(), /6–32 characters/)
    assert.equal(await dialog.locator("[data-confirm]").isDisabled(), true)
    await dialog.locator("#dialog-secret").fill("Clone2Go")
    await shoot("vm-detail-clone-en")
    await dialog.locator("[data-confirm]").click()
    assert.equal(await detail(page).locator("dialog[open] [data-password]").innerText(), "Clone2Go")
    const made = await cloneMade(vmId, "clone_en_1")
    const shown = await w.agent.call("POST", `/api/v1/vms/${made.id}/password`)
    assert.equal(shown.body.password, "Clone2Go")
    assert.deepEqual(errors, [])
  })

  it("R8 (中文) a random password is shown once; a name the API refuses is never sent", async () => {
    const [vmId = ""] = await w.createVms(["clone_src_zh"])
    const { page, errors, shoot } = await open(vmId, "zh-CN")
    const clone = detail(page).locator(`[data-action="clone"]`)
    assert.equal((await clone.innerText()).trim(), "克隆")
    await clone.click()
    const dialog = detail(page).locator("dialog[open]")
    await dialog.locator("#dialog-input").fill("x")
    // name-format, before sending (the button follows the input on its next render)
    await dialog.locator("[data-confirm]:disabled").waitFor()
    await dialog.locator("#dialog-input").fill("克隆_1")
    assert.match(await dialog.innerText(), /网卡使用新的IP地址/)
    await shoot("vm-detail-clone-zh")
    await dialog.locator("[data-confirm]").click()
    const password = await detail(page).locator("dialog[open] [data-password]").innerText()
    assert.match(password, /^.{16}$/)
    const made = await cloneMade(vmId, "克隆_1")
    assert.equal((await w.agent.call("POST", `/api/v1/vms/${made.id}/password`)).body.password, password)
    assert.deepEqual(errors, [])
  })

  it("K3 (English) an image from a stopped VM: an empty name is refused before sending; the image is the department's", async () => {
    const [vmId = ""] = await w.createVms(["image_src_en"])
    await w.stopVm(vmId)
    const { page, errors, shoot } = await open(vmId, "en")
    const action = detail(page).locator(`[data-action="create-image"]`)
    assert.equal((await action.innerText()).trim(), "Create image")
    await action.click()
    const dialog = detail(page).locator("dialog[open]")
    assert.equal(await dialog.locator("[data-confirm]").isDisabled(), true, "no name yet")
    await dialog.locator("#dialog-input").fill("golden-en")
    await shoot("vm-detail-create-image-en")
    await dialog.locator("[data-confirm]").click()
    await eventually("the image to be listed", async () => {
      const items = (await w.agent.call("GET", "/api/v1/images")).body.items as ReadonlyArray<{ name: string }>
      return items.some((image) => image.name === "golden-en")
    })
    assert.deepEqual(errors, [])
  })

  it("K2 (中文) the reinstall dialog offers the images; the chosen one is installed and the VM runs again", async () => {
    const [vmId = ""] = await w.createVms(["reinstall_zh"])
    const other = await w.agent.run(
      Store.use((s) => s.images.insert({ ...w.agent.world.image, id: randomUUID(), name: "other-linux" })),
    )
    const { page, errors, shoot } = await open(vmId, "zh-CN")
    const action = detail(page).locator(`[data-action="reinstall"]`)
    assert.equal((await action.innerText()).trim(), "重装系统")
    await action.click()
    const dialog = detail(page).locator("dialog[open]")
    assert.equal(await dialog.locator("h2").innerText(), "重装系统")
    assert.match(await dialog.innerText(), /系统盘将被覆盖/)
    await dialog.locator("select#dialog-input").selectOption(other.id)
    await shoot("vm-detail-reinstall-zh")
    await dialog.locator("[data-confirm]").click()
    const vm = await eventually("the reinstalled VM to run", async () => {
      const current = await w.agent.run(Store.use((s) => s.vms.get(vmId)))
      return current.state === "running" && current.imageId === other.id && current
    })
    assert.ok(vm)
    assert.deepEqual(errors, [])
  })

  it("R3 (中文) the change-owner dialog offers the users; the VM goes to the chosen one, a refusal shows its rule", async () => {
    const [vmId = ""] = await w.createVms(["owner_zh"])
    const session = await browser.open()
    await session.page.goto(
      w.page(`<hx-vm-detail token="${w.agent.tokens.admin}" vm-id="${vmId}"></hx-vm-detail>`, { lang: "zh-CN" }),
    )
    const { page, errors, shoot } = session
    await detail(page).locator("[part=header]").waitFor()
    const action = detail(page).locator(`[data-action="change-owner"]`)
    assert.equal((await action.innerText()).trim(), "变更所有者")
    await action.click()
    const dialog = detail(page).locator("dialog[open]")
    assert.match(await dialog.innerText(), /隔离网络将替换/)
    const admin = w.agent.users.admin
    await dialog.locator("select#dialog-input").selectOption(admin.id)
    await shoot("vm-detail-change-owner-zh")
    await dialog.locator("[data-confirm]").click()
    const vm = await eventually("the VM to change hands", async () => {
      const current = await w.agent.run(Store.use((s) => s.vms.get(vmId)))
      return current.ownerId === admin.id && current
    })
    assert.ok(vm)
    // The dialog offers the owner the detail shows: wait for it to show the new one (on a loaded machine the
    // detail reloads after the database has changed, and a click before would offer the old owner again).
    await eventually("the detail to show the new owner", async () =>
      (await detail(page).locator("[data-block=block-basic]").innerText()).includes(admin.name),
    )
    await detail(page).locator(`[data-action="change-owner"]`).click()
    await detail(page).locator("dialog[open] [data-confirm]").click()
    const banner = detail(page).locator("[part=error]")
    await banner.waitFor()
    assert.equal(await banner.getAttribute("data-rule"), "owner-unchanged")
    assert.deepEqual(errors, [])
  })
})
