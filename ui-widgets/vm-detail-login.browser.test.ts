// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Page } from "playwright-core"
import { Store } from "../core/index.ts"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually } from "./testing/page.ts"
import { openVmDetail } from "./testing/vm-detail.ts"

/** The login method (R13) and SSH keys (X5) dialogs of <hx-vm-detail> against the real API (fake driver), en and zh. */
describe("<hx-vm-detail> login method and SSH keys in Chromium (R13, X5)", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  const detail = (page: Page) => page.locator("hx-vm-detail")
  const vmOf = (id: string) => w.agent.run(Store.use((s) => s.vms.get(id)))
  const keyPair = async (name: string) =>
    (await w.agent.call("POST", "/api/v1/key-pairs", { as: "owner", body: { name } })).body.keyPair as {
      id: string
      name: string
    }
  const heldBy = async (vmId: string) =>
    ((await w.agent.call("GET", `/api/v1/vms/${vmId}/ssh-keys`)).body.items as ReadonlyArray<{ name: string }>).map(
      (k) => k.name,
    )

  it("R13 X5 (English) switch to SSH key with a chosen key pair; stopped, the VM's keys are chosen with checkboxes", async () => {
    const [vmId = ""] = await w.createVms(["login_en"])
    const laptop = await keyPair("laptop-login-en")
    const desktop = await keyPair("desktop-login-en")
    const first = await openVmDetail(browser, w, vmId, "en")
    const action = detail(first.page).locator(`[data-action="login-method"]`)
    assert.equal((await action.innerText()).trim(), "Login method")
    await action.click()
    const dialog = detail(first.page).locator("dialog[open]")
    assert.match(await dialog.innerText(), /Switch to SSH key/)
    await dialog.locator("select#dialog-input").selectOption(desktop.id)
    await first.shoot("vm-detail-login-method-en")
    await dialog.locator("[data-confirm]").click()
    await eventually("key login recorded", async () => (await vmOf(vmId)).loginMethod === "ssh-key")
    assert.deepEqual(await heldBy(vmId), ["desktop-login-en"])
    assert.equal(await detail(first.page).locator(`[data-action="ssh-keys"]`).count(), 0, "SSH keys: stopped only")

    await w.stopVm(vmId)
    const { page, errors, shoot } = await openVmDetail(browser, w, vmId, "en")
    await detail(page).locator(`[data-action="ssh-keys"]`).click()
    const keys = detail(page).locator("dialog[open]")
    assert.equal(await keys.locator(`input[data-key="${desktop.id}"]`).isChecked(), true, "the VM's key is checked")
    assert.equal(await keys.locator(`input[data-key="${laptop.id}"]`).isChecked(), false)
    await keys.locator(`input[data-key="${desktop.id}"]`).uncheck()
    assert.equal(await keys.locator("[data-confirm]").isDisabled(), true, "at least one, before sending")
    assert.match(await keys.locator("#dialog-error").innerText(), /needs a key pair/)
    await keys.locator(`input[data-key="${laptop.id}"]`).check()
    await keys.locator(`input[data-key="${desktop.id}"]`).check()
    await shoot("vm-detail-ssh-keys-en")
    await keys.locator("[data-confirm]").click()
    await eventually("two keys", async () => (await heldBy(vmId)).length === 2)
    assert.deepEqual(await heldBy(vmId), ["laptop-login-en", "desktop-login-en"])
    assert.deepEqual(first.errors, [])
    assert.deepEqual(errors, [])
  })

  it("R13 (中文) 切换为密码登录：不合规的密码在发送前被拒绝；合规的密码生效", async () => {
    const [vmId = ""] = await w.createVms(["login_zh"])
    const key = await keyPair("key-login-zh")
    const switched = await w.agent.call("POST", `/api/v1/vms/${vmId}/login-method`, {
      body: { method: "ssh-key", keyPairId: key.id },
    })
    assert.equal(switched.status, 200, JSON.stringify(switched.body))
    const { page, errors, shoot } = await openVmDetail(browser, w, vmId, "zh-CN")
    const action = detail(page).locator(`[data-action="login-method"]`)
    assert.equal((await action.innerText()).trim(), "登录方式")
    await action.click()
    const dialog = detail(page).locator("dialog[open]")
    assert.match(await dialog.innerText(), /切换为密码登录/)
    await dialog.locator("#dialog-input").fill("short")
    assert.equal(await dialog.locator("[data-confirm]").isDisabled(), true, "password-format, before sending")
    await dialog.locator("#dialog-input").fill("Back2Pass")
    await shoot("vm-detail-login-method-zh")
    await dialog.locator("[data-confirm]").click()
    await eventually("password login recorded", async () => (await vmOf(vmId)).loginMethod === "password")
    assert.equal((await vmOf(vmId)).passwordPending, true)
    assert.deepEqual(errors, [])
  })
})
