// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Page } from "playwright-core"
import { sampleHost } from "../core/rules/testing-records.ts"
import { Store } from "../core/store/ports.ts"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually } from "./testing/page.ts"

/** <hx-host-list> against the agent's hosts routes: what an admin sees of the cluster and the maintenance toggle. */
describe("<hx-host-list> in Chromium (#16)", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  const list = (page: Page) => page.locator("hx-host-list")
  const rowOf = (page: Page, hostId: string) => list(page).locator(`tr[data-host="${hostId}"]`)

  it("#16 each host with its zone, state and CPU/memory bars as the API reads them; maintenance on and off", async () => {
    const second = sampleHost({
      id: "rack-2",
      name: "rack-2",
      zone: "zone-b",
      driver: w.agent.world.host.driver,
      heartbeatAt: null,
    })
    await w.agent.run(Store.use((s) => s.hosts.insert(second)))
    await w.createVms(["on_host_list"])
    const hosts = (await w.agent.call("GET", "/api/v1/hosts", { as: "superadmin" })).body.items as Array<{
      id: string
      name: string
      zone: string
      usage: { cpusUsed: number; cpusTotal: number; memoryMiBUsed: number; vmCount: number }
    }>
    const { page, errors, shoot } = await browser.open()
    await page.goto(w.page(`<hx-host-list token="${w.agent.tokens.superadmin}"></hx-host-list>`))
    await eventually("both hosts", async () => (await list(page).locator("tr[data-host]").count()) === hosts.length)
    for (const host of hosts) {
      const row = rowOf(page, host.id)
      assert.equal(await row.locator("[part=name]").innerText(), host.name)
      assert.equal(await row.locator("[part=zone]").innerText(), host.zone)
      assert.equal(await row.locator("[part=vms]").innerText(), String(host.usage.vmCount))
      const cpu = row.locator("[data-cpu] [role=meter]")
      assert.equal(await cpu.getAttribute("aria-valuenow"), String(host.usage.cpusUsed))
      assert.equal(await cpu.getAttribute("aria-valuemax"), String(host.usage.cpusTotal))
      const memory = row.locator("[data-memory] [role=meter]")
      assert.equal(await memory.getAttribute("aria-valuenow"), String(host.usage.memoryMiBUsed))
    }
    const mine = rowOf(page, w.agent.world.host.id)
    assert.match(await mine.locator("[data-cpu] [part=capacity]").innerText(), /CPUs used/)
    assert.equal(await rowOf(page, second.id).locator("[part=state]").innerText(), "Up")
    await shoot("host-list")

    // Drain rack-2 through the toggle: the API reads maintenance, so does the row; then back.
    await rowOf(page, second.id).locator("[data-maintenance]").click()
    await eventually("maintenance shown", async () => {
      return (await rowOf(page, second.id).locator("[part=state]").innerText()) === "Maintenance"
    })
    const read = async () =>
      (await w.agent.call("GET", `/api/v1/hosts/${second.id}`, { as: "superadmin" })).body.state as string
    assert.equal(await read(), "maintenance")
    assert.equal(await rowOf(page, second.id).locator("[data-maintenance]").innerText(), "End maintenance")
    await rowOf(page, second.id).locator("[data-maintenance]").click()
    await eventually(
      "up again",
      async () => (await rowOf(page, second.id).locator("[part=state]").innerText()) === "Up",
    )
    assert.equal(await read(), "up")
    assert.deepEqual(errors, [])
  })

  it("#16 in Chinese; an admin who is not a superadmin sees the API's refusal and nothing changes", async () => {
    const { page } = await browser.open()
    await page.goto(w.page(`<hx-host-list lang="zh" token="${w.agent.tokens.admin}"></hx-host-list>`))
    const row = rowOf(page, w.agent.world.host.id)
    await row.waitFor()
    assert.equal(await row.locator("[data-maintenance]").innerText(), "进入维护")
    assert.match(await row.locator("[data-cpu] [part=capacity]").innerText(), /已用/)
    await row.locator("[data-maintenance]").click()
    const direct = await w.agent.call("PUT", `/api/v1/hosts/${w.agent.world.host.id}/maintenance`, {
      as: "admin",
      lang: "zh",
    })
    assert.equal(direct.status, 403)
    await eventually("the refusal", async () => (await list(page).locator("[role=alert]").count()) === 1)
    assert.equal(await list(page).locator("[role=alert]").innerText(), direct.body.error.message)
    assert.equal(await row.locator("[part=state]").innerText(), "正常")
  })
})
