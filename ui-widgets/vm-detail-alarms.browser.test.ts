// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { Effect } from "effect"
import type { Page } from "playwright-core"
import type { Who } from "../agent/testing/harness.ts"
import { EventBus } from "../core/events/bus.ts"
import { Store } from "../core/index.ts"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually, heardEvents, recordEvents, unnamedControls } from "./testing/page.ts"

interface Rule {
  readonly id: string
  readonly metric: string
  readonly thresholdPercent: number
  readonly durationMinutes: number
  readonly recipientUserIds: ReadonlyArray<string>
  readonly enabled: boolean
}

/** The monitoring tab's alarms in <hx-vm-detail> against the real API (R1, M2): add, edit, delete, refusals; en, zh. */
describe("VM alarms in Chromium (R1, M2)", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  /** A running VM of the owner; `monitored`: its monitoring is installed (a created VM has none). */
  const vm = async (name: string, monitored: boolean) => {
    const [id = ""] = await w.createVms([name])
    if (monitored) await w.agent.run(Store.use((s) => s.vms.update(id, { monitoringInstalled: true })))
    return id
  }
  const rulesOf = async (vmId: string) =>
    (await w.agent.call("GET", `/api/v1/vms/${vmId}/alarms`, { as: "superadmin" })).body.items as ReadonlyArray<Rule>
  const openAlarms = async (vmId: string, who: Who, lang: string) => {
    const session = await browser.open()
    await recordEvents(session.page)
    await session.page.goto(
      w.page(`<hx-vm-detail token="${w.agent.tokens[who]}" vm-id="${vmId}"></hx-vm-detail>`, { lang }),
    )
    await session.page.locator("hx-vm-detail #tab-monitoring").click()
    await session.page.locator("hx-vm-detail [data-alarms] h4").waitFor()
    return session
  }
  const section = (page: Page) => page.locator("hx-vm-detail [data-alarms]")
  /** A user of another company, made through the API (the harness's users all share one company). */
  const stranger = async () => {
    const post = async (path: string, body: unknown) => {
      const reply = await w.agent.call("POST", `/api/v1/${path}`, { as: "superadmin", body })
      assert.equal(reply.status, 201, JSON.stringify(reply.body))
      return reply.body.id as string
    }
    const companyId = await post("companies", { name: "Elsewhere", number: "EW7" })
    const departmentId = await post("departments", { companyId, name: "far" })
    return post("users", { name: "stranger", email: "stranger@elsewhere.test", role: "user", departmentId })
  }

  it("R1 (English) the owner adds a memory alarm, changes it, is refused a threshold of 0, and deletes it", async () => {
    const vmId = await vm("alarm_en", true)
    const { page, errors, shoot } = await openAlarms(vmId, "owner", "en")
    const alarms = section(page)
    await alarms.locator("[data-act=configure-alarm]").click()
    const form = alarms.locator("[data-alarm-form]")
    await form.locator("select[name=metric]").selectOption("memory")
    await form.locator("input[name=threshold]").fill("90")
    await form.locator("input[name=duration]").fill("10")
    const owner = form.locator(`input[data-user="${w.agent.users.owner.id}"]`)
    assert.equal(await owner.isChecked(), true, "a plain user's only choice, themself, is checked")
    assert.deepEqual(await unnamedControls(page, "hx-vm-detail"), [])
    await form.locator("[data-act=save-alarm]").click()
    await eventually("the rule listed", async () => (await alarms.locator("tbody tr[data-id]").count()) === 1)
    const [made] = await rulesOf(vmId)
    assert.deepEqual(
      [made?.metric, made?.thresholdPercent, made?.durationMinutes, made?.recipientUserIds, made?.enabled],
      ["memory", 90, 10, [w.agent.users.owner.id], true],
    )
    const row = alarms.locator(`tr[data-id="${made?.id}"]`)
    assert.equal(await row.locator("[data-rule-text]").innerText(), "Memory ≥ 90 % for 10 min")
    assert.equal(await row.locator("[data-alarm-state]").getAttribute("data-alarm-state"), "normal")
    await shoot("vm-detail-alarms-en")

    await row.locator("[data-act=edit-alarm]").click()
    assert.equal(await form.locator("select[name=metric]").isDisabled(), true, "PATCH keeps the metric")
    await form.locator("input[name=threshold]").fill("75")
    await form.locator("input[name=enabled]").uncheck()
    await form.locator("[data-act=save-alarm]").click()
    await eventually("the change", async () => (await rulesOf(vmId))[0]?.thresholdPercent === 75)
    assert.equal((await rulesOf(vmId))[0]?.enabled, false)
    await eventually("shown off", async () => (await row.locator("[data-alarm-state=off]").count()) === 1)

    await alarms.locator("[data-act=configure-alarm]").click()
    await form.locator("input[name=threshold]").fill("0")
    await form.locator("[data-act=save-alarm]").click()
    const refusal = alarms.locator("[data-notice=error]")
    await refusal.waitFor()
    const [heard] = await heardEvents(page, "hx-error")
    assert.equal(heard?.detail.status, 400)
    assert.equal(await refusal.innerText(), heard?.detail.message, "the API's message, where the user acted")
    assert.equal((await rulesOf(vmId)).length, 1, "nothing stored")
    await alarms.locator("[data-act=cancel-alarm]").click()

    await row.locator("[data-act=delete-alarm]").click()
    await page.locator("hx-vm-detail dialog[open] [data-confirm]").click()
    await eventually("deleted", async () => (await rulesOf(vmId)).length === 0)
    await eventually("gone from the table", async () => (await alarms.locator("tbody tr[data-id]").count()) === 0)
    assert.deepEqual(errors, [])
  })

  it("R1 M2 (中文) 收件人须属于虚拟机所在公司；告警记录与告警状态；未安装监控时不显示“配置告警”", async () => {
    const vmId = await vm("alarm_zh", true)
    const strangerId = await stranger()
    const { page, errors, shoot } = await openAlarms(vmId, "superadmin", "zh-CN")
    const alarms = section(page)
    await alarms.locator("[data-act=configure-alarm]").click()
    assert.equal((await alarms.locator("[data-act=save-alarm]").innerText()).trim(), "确定")
    const form = alarms.locator("[data-alarm-form]")
    await form.locator(`input[data-user="${strangerId}"]`).check()
    await form.locator("[data-act=save-alarm]").click()
    const refusal = alarms.locator("[data-notice=error]")
    await refusal.waitFor()
    assert.equal(await refusal.getAttribute("data-rule"), "alarm-recipients-in-company")
    assert.match(await refusal.innerText(), /[\u4e00-\u9fff]/, "the API's message in Chinese")
    assert.equal((await rulesOf(vmId)).length, 0)

    await form.locator(`input[data-user="${strangerId}"]`).uncheck()
    await form.locator(`input[data-user="${w.agent.users.owner.id}"]`).check()
    await form.locator("[data-act=save-alarm]").click()
    await eventually("the rule", async () => (await rulesOf(vmId)).length === 1)
    const [rule] = await rulesOf(vmId)
    // What an alarm round records and publishes when the rule fires (core/alarms/evaluate.ts; alarms.test.ts proves
    // the round): the open tab shows it from the event, without a reload (M2)
    const at = new Date()
    const fired = {
      ruleId: rule?.id ?? "",
      vmId,
      kind: "fired",
      metric: "cpu",
      valuePercent: 97.5,
      thresholdPercent: 80,
      at,
    } as const
    await w.agent.run(
      Store.use((s) =>
        s.alarmEvents.insert({
          ...fired,
          id: randomUUID(),
          recipients: [w.agent.users.owner.email],
          delivered: true,
          error: null,
        }),
      ),
    )
    await w.agent.run(
      EventBus.use((bus) =>
        Effect.flatMap(
          Store.use((s) => s.vms.get(vmId)),
          (record) =>
            bus.publish({
              _tag: "vm-alarm",
              ...fired,
              companyId: record.companyId,
              departmentId: record.departmentId,
              ownerId: record.ownerId,
            }),
        ),
      ),
    )
    await eventually("the firing", async () => (await alarms.locator("[data-alarm-history] tbody tr").count()) === 1)
    assert.match(await alarms.locator("[data-alarm-history] tbody tr").innerText(), /告警[\s\S]*97\.5 %/)
    assert.equal(await alarms.locator("[data-alarm-state]").innerText(), "告警中")
    await shoot("vm-detail-alarms-zh")
    assert.deepEqual(errors, [])

    const bare = await vm("alarm_bare", false)
    const other = await openAlarms(bare, "owner", "zh-CN")
    assert.equal(await section(other.page).locator("[data-act=configure-alarm]").count(), 0)
    assert.match(await section(other.page).locator("[data-alarms-unavailable]").innerText(), /没有安装监控/)
    assert.deepEqual(other.errors, [])
  })
})
