// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Page } from "playwright-core"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually, heardEvents, recordEvents } from "./testing/page.ts"

/**
 * <hx-vm-console> against the real ticket route and WebSocket bridge on the fake driver, whose VNC server speaks the
 * RFB handshake but never draws: this proves the wiring; the real-QEMU suite proves a guest screen shows.
 */
describe("<hx-vm-console> in Chromium", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  const consoleOf = (page: Page) => page.locator("hx-vm-console")
  const status = (page: Page) => consoleOf(page).locator("[part=status]")
  const consoleTasks = async (vmId: string) =>
    (await w.agent.call("GET", `/api/v1/tasks?vmId=${vmId}`)).body.items.filter(
      (task: { operation: string }) => task.operation === "vm.console",
    ).length

  it("B5 a one-time ticket opens noVNC (a chunk loaded on first use); Ctrl+Alt+Del, paste, full screen; reconnect with a new ticket", async () => {
    const [vmId = ""] = await w.createVms(["console_vm"])
    const { page, errors, shoot } = await browser.open()
    await recordEvents(page)
    const chunks: Array<string> = []
    page.on("request", (request) => {
      if (request.url().includes("/widgets/chunks/")) chunks.push(request.url())
    })
    await page.goto(w.page(`<hx-vm-console manual token="${w.agent.tokens.owner}" vm-id="${vmId}"></hx-vm-console>`))
    await consoleOf(page).locator("[data-connect]").waitFor()
    assert.deepEqual(chunks, [])
    assert.equal(await consoleOf(page).locator("[data-ctrl-alt-del]").isDisabled(), true)

    await consoleOf(page).locator("[data-connect]").click()
    await eventually("connected", async () => (await status(page).getAttribute("data-status")) === "connected")
    assert.equal(chunks.length, 1)
    assert.match(chunks[0] ?? "", /\/widgets\/chunks\/rfb-[A-Z0-9]+\.js$/)
    assert.equal(await consoleOf(page).locator("canvas").count(), 1)
    assert.equal(await consoleTasks(vmId), 1)
    assert.equal(await consoleOf(page).locator("[data-ctrl-alt-del]").isEnabled(), true)
    await consoleOf(page).locator("[data-ctrl-alt-del]").click()
    await consoleOf(page).locator("[data-paste]").click()
    await consoleOf(page).locator("#paste-text").fill("echo Hello\n")
    await consoleOf(page).locator("[data-type]").click()
    await consoleOf(page).locator("dialog[open]").waitFor({ state: "detached" })
    await shoot("vm-console-fake")
    await consoleOf(page).locator("[data-fullscreen]").click()
    const full = () =>
      consoleOf(page).evaluate((host) => host.shadowRoot?.fullscreenElement?.getAttribute("part") ?? "")
    await eventually("full screen", async () => (await full()) === "screen")
    await page.evaluate(() => document.exitFullscreen())
    await eventually("back from full screen", async () => (await full()) === "")

    await consoleOf(page).locator("[data-disconnect]").click()
    await eventually("disconnected", async () => (await status(page).getAttribute("data-status")) === "disconnected")
    await consoleOf(page).locator("[data-connect]").click()
    await eventually("connected again", async () => (await status(page).getAttribute("data-status")) === "connected")
    assert.equal(await consoleTasks(vmId), 2)
    assert.equal(chunks.length, 1)
    const statuses = (await heardEvents(page, "hx-console-status")).map((event) => event.detail.status)
    assert.deepEqual(statuses, [
      "ticket",
      "connecting",
      "connected",
      "disconnected",
      "ticket",
      "connecting",
      "connected",
    ])
    assert.deepEqual(errors, [])
  })

  it("B5 a stopped VM has no console: the API's refusal is shown", async () => {
    const vm = await w.agent.seedVm({ displayName: "console_off" })
    const { page } = await browser.open()
    await page.goto(
      w.page(`<hx-vm-console lang="zh" token="${w.agent.tokens.owner}" vm-id="${vm.id}"></hx-vm-console>`),
    )
    await eventually("failed", async () => (await status(page).getAttribute("data-status")) === "failed")
    const direct = await w.agent.call("POST", `/api/v1/vms/${vm.id}/console`, { lang: "zh", body: { kind: "vnc" } })
    assert.equal(direct.status, 409)
    assert.equal(await consoleOf(page).locator("[role=alert]").innerText(), direct.body.error.message)
  })
})
