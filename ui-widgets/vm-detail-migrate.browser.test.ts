// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import type { Page } from "playwright-core"
import { EventBus, Store } from "../core/index.ts"
import { sampleHost } from "../core/rules/testing-records.ts"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually, recordEvents } from "./testing/page.ts"

/**
 * R9: the migrate dialog of <hx-vm-detail> against the real API on the fake driver, in headless Chromium: for
 * superadmins only, the other hosts with their free capacity, the API's refusal with its rule, and while the VM
 * migrates the progress from the events stream and a cancel that reaches the API.
 */
describe("<hx-vm-detail> migrate dialog (R9) in Chromium", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  const detail = (page: Page) => page.locator("hx-vm-detail")
  const action = (page: Page, name: string) => detail(page).locator(`[data-action="${name}"]`)
  const open = async (vmId: string, who: "owner" | "superadmin", lang = "en") => {
    const session = await browser.open()
    await recordEvents(session.page)
    await session.page.goto(
      w.page(`<hx-vm-detail token="${w.agent.tokens[who]}" vm-id="${vmId}"></hx-vm-detail>`, { lang }),
    )
    await detail(session.page).locator("[part=header]").waitFor()
    return session
  }

  it("R9 superadmins only: the owner has no migrate action", async () => {
    const [vmId = ""] = await w.createVms(["owned_vm"])
    const { page, errors } = await open(vmId, "owner")
    await action(page, "stop").waitFor()
    assert.equal(await action(page, "migrate").count(), 0)
    assert.deepEqual(errors, [])
  })

  it("R9 the dialog offers the other hosts with their free capacity; a refused host shows the API's rule", async () => {
    const [vmId = ""] = await w.createVms(["migrate_vm"])
    await w.agent.run(
      Store.use((store) => store.hosts.insert(sampleHost({ id: "host-9", name: "node-9", state: "maintenance" }))),
    )
    const { page, errors, shoot } = await open(vmId, "superadmin")
    await action(page, "migrate").click()
    const dialog = detail(page).locator("dialog[open]")
    const options = await dialog.locator("option").allInnerTexts()
    assert.equal(options[0], "Chosen by placement (the most free memory)")
    assert.ok(options.includes("node-9 · 32 CPUs and 131072 MiB free (maintenance)"), options.join(" | "))
    assert.ok(!options.some((o) => o.startsWith("host-1")), "the VM's own host is not offered")
    await shoot("vm-detail-migrate-dialog")
    await dialog.locator("select").selectOption("host-9")
    await dialog.locator("[data-confirm]").click()
    const banner = detail(page).locator("p.banner.error")
    await banner.waitFor()
    assert.equal(await banner.getAttribute("data-rule"), "host-up")
    assert.match(await banner.innerText(), /node-9 is not available/)
    assert.equal((await w.agent.call("GET", `/api/v1/vms/${vmId}`)).body.vm.state, "running")
    assert.deepEqual(errors, [])
  })

  it("R9 while the VM migrates: the progress from the events stream, and cancel reaches the API (zh)", async () => {
    const [vmId = ""] = await w.createVms(["moving_vm"])
    const { page, errors, shoot } = await open(vmId, "superadmin", "zh")
    // The VM as a migration shows it (the fake driver runs no migration between hosts): migrating, then a sample.
    const vm = await w.agent.run(
      Store.use((store) => Effect.flatMap(store.vms.get(vmId), (v) => store.vms.update(v.id, { state: "migrating" }))),
    )
    await w.agent.run(
      EventBus.use((bus) =>
        bus.publish({
          _tag: "vm-state",
          companyId: vm.companyId,
          departmentId: vm.departmentId,
          ownerId: vm.ownerId,
          vmId,
          from: "running",
          to: "migrating",
          cause: "platform",
          reason: "vm.migrate",
          at: new Date(),
        }),
      ),
    )
    const section = detail(page).locator("[part=migration]")
    await section.waitFor()
    await w.agent.run(
      EventBus.use((bus) =>
        bus.publish({
          _tag: "vm-migration",
          companyId: vm.companyId,
          departmentId: vm.departmentId,
          ownerId: vm.ownerId,
          vmId,
          taskId: "task-x",
          phase: "memory",
          transferredBytes: 96 * 1024 * 1024,
          remainingBytes: 32 * 1024 * 1024,
          dirtyPagesRate: 120,
          expectedDowntimeMs: 15,
          at: new Date(),
        }),
      ),
    )
    await eventually("the sample shown", async () => (await section.getAttribute("data-phase")) === "memory")
    assert.match(
      await section.innerText(),
      /热迁移[\s\S]*正在复制内存[\s\S]*已发送 96 MiB，剩余 32 MiB[\s\S]*预计停顿 15 毫秒/,
    )
    const bar = section.locator("progress")
    assert.equal(await bar.getAttribute("value"), String(96 * 1024 * 1024))
    assert.equal(await bar.getAttribute("max"), String(128 * 1024 * 1024))
    await shoot("vm-detail-migrating-zh")
    await action(page, "cancel-migration").click()
    // The API took it (superadmin, a migration running): no refusal shown.
    await eventually("the cancel answered", async () => (await action(page, "cancel-migration").isEnabled()) || false)
    assert.equal(await detail(page).locator("p.banner.error").count(), 0)
    assert.deepEqual(errors, [])
  })
})
