// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Page } from "playwright-core"
import { Store } from "../core/store/ports.ts"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually, heardEvents, recordEvents } from "./testing/page.ts"

/** <hx-vm-create>: the five-step wizard (C1–C8) against the real API on the fake driver, in headless Chromium. */
describe("<hx-vm-create> in Chromium", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  const wizard = (page: Page) => page.locator("hx-vm-create")
  const stepOf = (page: Page) => wizard(page).locator("form").getAttribute("data-current-step")
  const fieldError = (page: Page, field: string) => wizard(page).locator(`[data-field="${field}"] [part=field-error]`)
  const next = (page: Page) => wizard(page).locator("[data-next]").click()
  /** From the basic step: on to the image step, the tiny guest, on to the configuration step, the tiny flavor. */
  const imageAndFlavor = async (page: Page) => {
    await next(page)
    await wizard(page)
      .getByRole("radio", { name: /tiny-linux/ })
      .check()
    await next(page)
    await wizard(page).getByRole("radio", { name: /^tiny/ }).check()
  }
  const open = async (token: string, lang = "en", extra = "") => {
    const session = await browser.open()
    await recordEvents(session.page)
    await session.page.goto(w.page(`<hx-vm-create token="${token}"></hx-vm-create>${extra}`, { lang }))
    await wizard(session.page).locator("#count").waitFor()
    return session
  }

  it("C1 the rules show beside the fields as the user types: name format, count 1–10, tags for generated names", async () => {
    const { page, errors, shoot } = await open(w.agent.tokens.owner)
    const name = wizard(page).locator("#name")
    await name.fill("a")
    await eventually(
      "name-format",
      async () => (await fieldError(page, "name").getAttribute("data-rule")) === "name-format",
    )
    assert.equal(
      await fieldError(page, "name").innerText(),
      "A VM name has 2–20 characters: letters, digits, Chinese characters or underscores",
    )
    assert.equal(await name.getAttribute("aria-invalid"), "true")
    await name.fill("web_01")
    await eventually("the message gone", async () => (await fieldError(page, "name").innerText()) === "")
    await name.fill("web-01!")
    await eventually("name-format again", async () => (await fieldError(page, "name").innerText()) !== "")

    await wizard(page).locator("#count").fill("11")
    await eventually(
      "batch-count",
      async () => (await fieldError(page, "count").getAttribute("data-rule")) === "batch-count",
    )
    await shoot("vm-create-rules")
    await next(page)
    assert.equal(await stepOf(page), "basic")

    await wizard(page).locator("#count").fill("3")
    assert.equal(await name.isDisabled(), true)
    const tagsError = wizard(page).locator("#tags-error")
    await eventually("name-tags", async () => (await tagsError.getAttribute("data-rule")) === "name-tags")
    await wizard(page).locator("[data-tag=app-group]").fill("shop")
    await wizard(page).locator("[data-tag=app-role]").fill("web")
    await wizard(page).locator("[data-tag=app-type]").fill("nginx")
    await eventually("tags accepted", async () => (await tagsError.innerText()) === "")
    assert.equal(await wizard(page).locator("[data-preview]").innerText(), "Names like shop-web01nginx-…")
    await next(page)
    assert.equal(await stepOf(page), "image")
    assert.deepEqual(errors, [])
  })

  it("C2 C3 C4 C7 images and flavors come from the API; sockets auto; the remaining quota and price as the API quotes", async () => {
    const sales = w.agent.users.salesUser
    await w.agent.run(
      Store.use((s) =>
        s.quotas.set({ departmentId: sales.departmentId, cpus: null, memoryMiB: null, diskGiB: 50, vmCount: 4 }),
      ),
    )
    const { page, errors, shoot } = await open(w.agent.tokens.salesUser)
    await wizard(page).locator("#name").fill("quoted_vm")
    await imageAndFlavor(page)
    const sockets = await wizard(page).locator("#sockets option").first().innerText()
    assert.equal(sockets.trim(), "Auto: 1 × 1 core")
    const quote = (
      await w.agent.call("POST", "/api/v1/vms/quote", {
        as: "salesUser",
        body: { imageId: w.agent.world.image.id, flavorId: w.agent.world.flavor.id, count: 1 },
      })
    ).body
    const money = (minor: number) =>
      new Intl.NumberFormat("en", { style: "currency", currency: "CNY" }).format(minor / 100)
    const perVm = wizard(page).locator("[data-price=per-vm]")
    await eventually(
      "the price",
      async () => (await perVm.count()) > 0 && (await perVm.innerText()) === money(quote.perVmPerDay),
    )
    assert.equal(await wizard(page).locator("[data-quota=vmCount]").innerText(), String(quote.remaining.vmCount))
    assert.equal(await wizard(page).locator("[data-quota=cpus]").innerText(), "Unlimited")

    await wizard(page).locator("[data-step=basic]").click()
    await wizard(page).locator("#count").fill("5")
    await eventually(
      "over quota",
      async () => (await wizard(page).locator("[data-quota=vmCount] [role=alert]").count()) === 1,
    )
    assert.match(await wizard(page).locator("[data-quota=vmCount]").innerText(), /More than the remaining quota/)
    const total = wizard(page).locator("[data-price=total]")
    await eventually("the total for five", async () => (await total.innerText()) === money(quote.perVmPerDay * 5))
    await shoot("vm-create-quote")
    assert.deepEqual(errors, [])
  })

  it("C1–C8 one VM through the five steps: hx-vm-created, its task followed to the end, running in the list live", async () => {
    const { page, errors, shoot } = await open(
      w.agent.tokens.owner,
      "en",
      `<hx-vm-list token="${w.agent.tokens.owner}"></hx-vm-list>`,
    )
    await page.locator("hx-vm-list input[type=search]").fill("wizard_vm")
    await wizard(page).locator("#name").fill("wizard_vm")
    await imageAndFlavor(page)
    await wizard(page).locator("#password").fill("Secret123")
    await next(page)
    assert.equal(await stepOf(page), "network")
    // C6: automatic placement unless the user chooses networks (vm-networks.qemu.browser.test.ts chooses them)
    assert.equal(await wizard(page).locator("input[name=network-mode][value=auto]").isChecked(), true)
    await next(page)
    assert.equal(await stepOf(page), "confirm")
    await shoot("vm-create-confirm")
    await wizard(page).locator("[data-submit]").click()
    const created = await eventually("hx-vm-created", async () => (await heardEvents(page, "hx-vm-created")).at(-1))
    const vmId: string = created.detail.vmIds[0]
    await wizard(page).locator("[data-created]").waitFor()
    const finished = await eventually("hx-task-finished", async () =>
      (await heardEvents(page, "hx-task-finished")).at(-1),
    )
    assert.equal(finished.detail.task.operation, "vm.create")
    assert.equal(finished.detail.task.state, "succeeded")
    await page.locator(`hx-vm-list tr[data-vm-id="${vmId}"] .state[data-state=running]`).waitFor()
    const detail = await w.agent.call("GET", `/api/v1/vms/${vmId}`)
    assert.equal(detail.body.vm.displayName, "wizard_vm")
    assert.equal(detail.body.vm.haEnabled, true)
    await shoot("vm-create-done")
    assert.deepEqual(errors, [])
  })

  it("C1 an admin chooses the owner among the users it manages; a plain user is not asked", async () => {
    const plain = await open(w.agent.tokens.owner)
    await wizard(plain.page).locator("#name").waitFor()
    assert.equal(await wizard(plain.page).locator("#ownerId").count(), 0, "a user creates for themself only")

    const { page, errors, shoot } = await open(w.agent.tokens.admin)
    const owner = wizard(page).locator("#ownerId")
    await owner.locator("option", { hasText: w.agent.users.owner.name }).waitFor({ state: "attached" })
    await owner.selectOption(w.agent.users.owner.id)
    await wizard(page).locator("#name").fill("for_owner_vm")
    await imageAndFlavor(page)
    await next(page)
    await next(page)
    assert.equal(await stepOf(page), "confirm")
    assert.match(
      await wizard(page).locator("[part=summary]").innerText(),
      new RegExp(`Owner\\s+${w.agent.users.owner.name}`),
    )
    await shoot("vm-create-owner")
    await wizard(page).locator("[data-submit]").click()
    const created = await eventually("hx-vm-created", async () => (await heardEvents(page, "hx-vm-created")).at(-1))
    const detail = await w.agent.call("GET", `/api/v1/vms/${created.detail.vmIds[0]}`)
    assert.deepEqual([detail.body.vm.displayName, detail.body.vm.ownerId], ["for_owner_vm", w.agent.users.owner.id])
    assert.deepEqual(errors, [])
  })

  it("a rule only the API can judge (the department's VM count) comes back as its message", async () => {
    const sales = w.agent.users.salesUser
    await w.agent.run(
      Store.use((s) =>
        s.quotas.set({ departmentId: sales.departmentId, cpus: null, memoryMiB: null, diskGiB: null, vmCount: 0 }),
      ),
    )
    const { page } = await open(w.agent.tokens.salesUser, "zh-CN")
    await wizard(page).locator("#name").fill("over_quota")
    await imageAndFlavor(page)
    await next(page)
    await next(page)
    await wizard(page).locator("[data-submit]").click()
    const banner = wizard(page).locator("[part=error][role=alert]")
    await banner.waitFor()
    const direct = await w.agent.call("POST", "/api/v1/vms", {
      as: "salesUser",
      lang: "zh-CN",
      body: { imageId: w.agent.world.image.id, flavorId: w.agent.world.flavor.id, name: "over_quota" },
    })
    assert.equal(direct.body.error.rule, "quota-vm-count")
    assert.equal(await banner.innerText(), direct.body.error.message)
    const reported = await eventually("hx-error", async () => (await heardEvents(page, "hx-error")).at(-1))
    assert.equal(reported.detail.rule, "quota-vm-count")
  })

  it("zh-CN: labels, steps and rule messages in Chinese", async () => {
    const { page, shoot } = await open(w.agent.tokens.owner, "zh")
    assert.equal((await wizard(page).locator("[data-step=basic]").innerText()).trim(), "1. 基本信息")
    await wizard(page).locator("#name").fill("坏-名字")
    await eventually("the Chinese rule", async () =>
      (await fieldError(page, "name").innerText()).startsWith("虚拟机名称应为2-20个字符"),
    )
    await wizard(page).locator("#name").fill("中文名称_1")
    await eventually("a Chinese name is fine", async () => (await fieldError(page, "name").innerText()) === "")
    await shoot("vm-create-zh-CN")
  })
})
