// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Page } from "playwright-core"
import { Store } from "../core/index.ts"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually, heardEvents, recordEvents, unnamedControls } from "./testing/page.ts"

/** The snapshots and disks tabs of <hx-vm-detail> (D5, P1–P5, V4–V6) against the real API on the fake driver. */
describe("<hx-vm-detail> snapshots and disks tabs in Chromium", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  const detail = (page: Page) => page.locator("hx-vm-detail")
  const panel = (page: Page) => detail(page).locator("[role=tabpanel]")
  const open = async (vmId: string, options: { lang?: string; tab?: string } = {}) => {
    const session = await browser.open()
    await recordEvents(session.page)
    await session.page.goto(
      w.page(`<hx-vm-detail token="${w.agent.tokens.owner}" vm-id="${vmId}"></hx-vm-detail>`, {
        lang: options.lang ?? "en",
      }),
    )
    await detail(session.page).locator("[part=header]").waitFor()
    if (options.tab !== undefined) await detail(session.page).locator(`#tab-${options.tab}`).click()
    return session
  }
  /** What the page shows for a time, formatted by the page's own Intl (the widget's locale, the browser's zone). */
  const shownTime = (page: Page, iso: string, lang = "en") =>
    page.evaluate(
      ([at, locale]) =>
        new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(at ?? "")),
      [iso, lang],
    )
  const api = (method: string, path: string, body?: unknown) =>
    w.agent.call(method, `/api/v1${path}`, body === undefined ? {} : { body })
  const settled = async (method: string, path: string, body?: unknown) => {
    const reply = await api(method, path, body)
    assert.equal(reply.status, 202, JSON.stringify(reply.body))
    const task = await w.agent.settle(reply.body.task.id)
    assert.equal(task.state, "succeeded", JSON.stringify(task.error))
    return task
  }
  const notice = (scope: ReturnType<typeof panel>, kind: "error" | "success") => scope.locator(`[data-notice=${kind}]`)

  it("P1 a user takes a snapshot in the tab and sees it listed, ready, with its size, once the task ends", async () => {
    const [vmId = ""] = await w.createVms(["snap_take"])
    const { page, errors, shoot } = await open(vmId, { tab: "snapshots" })
    await panel(page).locator("[data-take-snapshot] input[name=name]").fill("before_upgrade")
    await panel(page).getByRole("button", { name: "Take snapshot" }).click()
    const row = panel(page).locator("tr", { hasText: "before_upgrade" })
    await row.locator("[data-item-state=ready]").waitFor()
    const [listed] = (await api("GET", `/vms/${vmId}/snapshots`)).body.items
    assert.equal(listed.name, "before_upgrade")
    assert.ok(listed.sizeBytes > 0)
    const size = await page.evaluate((bytes) => {
      const unit = Math.min(4, Math.floor(Math.log(bytes) / Math.log(1024)))
      const value = new Intl.NumberFormat("en", { maximumFractionDigits: 1 }).format(bytes / 1024 ** unit)
      return `${value} ${["B", "KiB", "MiB", "GiB", "TiB"][unit]}`
    }, listed.sizeBytes)
    assert.equal(await row.locator("[data-size]").innerText(), size)
    assert.match(await row.innerText(), /before_upgrade\s+No\s+Manual\s+Ready/)
    assert.match(await row.innerText(), new RegExp(await shownTime(page, listed.createdAt)))
    assert.equal(await notice(panel(page), "success").innerText(), "Snapshot before_upgrade taken")
    const finished = await eventually("the task finished", async () =>
      (await heardEvents(page, "hx-task-finished")).find((e) => e.detail.task.operation === "snapshot.create"),
    )
    assert.equal(finished.detail.task.state, "succeeded")

    // No name: the API names it; with memory: the row says so.
    await panel(page).locator("[data-take-snapshot] input[name=withMemory]").check()
    await panel(page).getByRole("button", { name: "Take snapshot" }).click()
    await panel(page).locator("tbody tr").nth(1).waitFor()
    const [newest] = (await api("GET", `/vms/${vmId}/snapshots`)).body.items
    const memoryRow = panel(page).locator(`tr[data-id="${newest.id}"]`)
    await memoryRow.locator("[data-item-state=ready]").waitFor()
    assert.match(await memoryRow.innerText(), new RegExp(`^${newest.name}\\s+Yes\\s+Manual\\s+Ready`))
    await shoot("vm-detail-snapshots")

    await row.locator("[data-act=delete]").click()
    const dialog = detail(page).locator("dialog[open]")
    assert.equal(await dialog.locator("h2").innerText(), "Delete snapshot before_upgrade?")
    await dialog.locator("[data-confirm]").click()
    await row.waitFor({ state: "detached" })
    assert.deepEqual(
      (await api("GET", `/vms/${vmId}/snapshots`)).body.items.map((item: { name: string }) => item.name),
      [newest.name],
    )
    assert.deepEqual(errors, [])
  })

  it("P1 a disk-only snapshot the hypervisor counts no size for says so, not 0 B, in English and Chinese", async () => {
    const [vmId = ""] = await w.createVms(["snap_disk_only"])
    await settled("POST", `/vms/${vmId}/snapshots`, { name: "disk_only" })
    const [{ id: snapshotId }] = (await api("GET", `/vms/${vmId}/snapshots`)).body.items
    // What QEMU's driver records for a disk-only internal snapshot: vm-state-size 0 (qcow2 counts no disk data).
    await w.agent.run(Store.use((s) => s.snapshots.update(snapshotId, { sizeBytes: 0 })))
    for (const [lang, text, title] of [
      ["en", "Disk only", "Kept inside the disk image: the hypervisor counts no size of its own for it"],
      ["zh-CN", "仅磁盘", "保存在磁盘镜像内，虚拟化层不单独统计其大小"],
    ] as const) {
      const { page, errors, shoot } = await open(vmId, { lang, tab: "snapshots" })
      const size = panel(page).locator(`tr[data-id="${snapshotId}"] [data-size]`)
      await size.waitFor()
      assert.equal(await size.innerText(), text)
      assert.equal(await size.getAttribute("title"), title)
      await shoot(`vm-detail-snapshot-disk-only-${lang}`)
      assert.deepEqual(errors, [])
    }
  })

  it("P4 on a running VM, roll back is disabled with the API's refusal on hover; after stopping, the rollback succeeds", async () => {
    const [vmId = ""] = await w.createVms(["snap_rollback"])
    await settled("POST", `/vms/${vmId}/snapshots`, { name: "known_good" })
    const { page, errors, shoot } = await open(vmId, { tab: "snapshots" })
    const row = panel(page).locator("tr", { hasText: "known_good" })
    const dialog = detail(page).locator("dialog[open]")
    const rollback = row.locator("[data-act=rollback]")
    await rollback.waitFor()
    const snapshotId = await row.getAttribute("data-id")
    const direct = await api("POST", `/vms/${vmId}/snapshots/${snapshotId}/rollback`, {})
    assert.equal(direct.status, 409)
    assert.equal(direct.body.error.rule, "stopped-only")
    // #21: the widget never offers what the API refuses: the button is disabled with the run's message and rule
    assert.equal(await rollback.isDisabled(), true)
    assert.equal(await rollback.getAttribute("data-rule"), "stopped-only")
    assert.equal(await rollback.getAttribute("title"), direct.body.error.message)
    assert.equal(await rollback.getAttribute("aria-description"), direct.body.error.message)
    assert.equal(await dialog.count(), 0)
    await shoot("vm-detail-snapshot-rollback-refused")

    await detail(page).locator("[data-action=stop]").click()
    await detail(page).locator("[part=header] .state[data-state=stopped]").waitFor()
    await row.locator("[data-act=rollback]:not([disabled])").waitFor()
    assert.equal(await rollback.getAttribute("data-rule"), null)
    assert.equal(await rollback.getAttribute("title"), null)
    await rollback.click()
    assert.equal(await dialog.locator("h2").innerText(), "Roll back the VM to snapshot known_good?")
    await dialog.locator("[data-confirm]").click()
    await notice(panel(page), "success").waitFor()
    assert.equal(await notice(panel(page), "success").innerText(), "The VM is back at snapshot known_good")
    const rollbacks = (await heardEvents(page, "hx-task-finished")).filter(
      (e) => e.detail.task.operation === "snapshot.rollback",
    )
    assert.deepEqual(
      rollbacks.map((e) => e.detail.task.state),
      ["succeeded"],
    )
    assert.deepEqual(errors, [])
  })

  it("P2 creating an hourly schedule shows it with its next run; a second hourly one is refused with its rule", async () => {
    const [vmId = ""] = await w.createVms(["snap_schedule"])
    const { page, errors, shoot } = await open(vmId, { tab: "snapshots" })
    const section = panel(page).locator("[data-schedules=snapshot-schedules]")
    const create = async () => {
      await section.locator("[data-add-schedule]").click()
      const form = section.locator("[data-schedule-form]")
      await form.locator("select[name=period]").selectOption("hourly")
      assert.equal(await form.locator("input[name=hour]").count(), 0, "an hourly schedule has no hour")
      await form.locator("input[name=minute]").fill("15")
      await form.locator("input[name=timeZone]").fill("Asia/Shanghai")
      await form.locator("input[name=retention]").fill("3")
      await form.locator("[data-create-schedule]").click()
    }
    await create()
    const row = section.locator("tbody tr")
    await row.waitFor()
    const [schedule] = (await api("GET", `/vms/${vmId}/snapshot-schedules`)).body.items
    assert.deepEqual(
      [schedule.period, schedule.minute, schedule.timeZone, schedule.retention],
      ["hourly", 15, "Asia/Shanghai", 3],
    )
    assert.ok(schedule.nextRunAt !== null && new Date(schedule.nextRunAt).getUTCMinutes() === 15)
    assert.equal(await row.locator("[data-next-run]").innerText(), await shownTime(page, schedule.nextRunAt))
    assert.match(await row.innerText(), /Hourly\s+every hour at minute 15\s+Asia\/Shanghai\s+newest 3\s+No/)
    assert.equal(await notice(section, "success").innerText(), "Hourly schedule created")
    await shoot("vm-detail-snapshot-schedule")

    await create()
    const refusal = notice(section, "error")
    await refusal.waitFor()
    assert.equal(await refusal.getAttribute("data-rule"), "one-schedule-per-period")
    assert.equal(await section.locator("tbody tr").count(), 1)
    const form = section.locator("[data-schedule-form]")
    assert.equal(await form.count(), 1, "the form stays open to fix")
    await form.locator("select[name=period]").selectOption("weekly")
    const days = await form.locator("select[name=dayOfWeek] option").allInnerTexts()
    assert.deepEqual([days[0], days.at(-1)], ["Monday", "Sunday"])
    assert.equal(await form.locator("input[name=hour]").count(), 1)
    await shoot("vm-detail-schedule-form")
    assert.deepEqual(await unnamedControls(page, "hx-vm-detail"), [])
    await form.getByRole("button", { name: "Cancel" }).click()

    await row.locator("[data-act=delete-schedule]").click()
    const dialog = detail(page).locator("dialog[open]")
    assert.equal(await dialog.locator("h2").innerText(), "Delete the hourly schedule? What it made stays.")
    await dialog.locator("[data-confirm]").click()
    await section.getByText("No schedules").waitFor()
    assert.deepEqual((await api("GET", `/vms/${vmId}/snapshot-schedules`)).body.items, [])
    assert.deepEqual(errors, [])
  })

  it("V4 on a VM with a snapshot, back up now is disabled with the API's refusal on hover; no backup is made", async () => {
    const [vmId = ""] = await w.createVms(["disk_backup_refused"])
    await settled("POST", `/vms/${vmId}/snapshots`, { name: "kept" })
    const { page, errors, shoot } = await open(vmId, { tab: "disks" })
    const [disk] = (await api("GET", `/vms/${vmId}/disks`)).body.items
    const backUp = panel(page).locator(`tr[data-id="${disk.id}"] [data-act=backup]`)
    await backUp.waitFor()
    const direct = await api("POST", `/vms/${vmId}/disks/${disk.id}/backups`, {})
    assert.equal(direct.status, 409)
    assert.equal(direct.body.error.rule, "no-snapshots")
    assert.equal(await backUp.isDisabled(), true)
    assert.equal(await backUp.getAttribute("data-rule"), "no-snapshots")
    assert.equal(await backUp.getAttribute("title"), direct.body.error.message)
    assert.equal((await api("GET", `/vms/${vmId}/disks/${disk.id}/backups`)).body.items.length, 0)
    await shoot("vm-detail-disk-backup-refused")
    assert.deepEqual(errors, [])
  })

  it("V4 disks tab: back up now makes a full backup, then an incremental one; restore names the new disk", async () => {
    const [vmId = ""] = await w.createVms(["disk_backup"])
    const { page, errors, shoot } = await open(vmId)
    const [disk] = (await api("GET", `/vms/${vmId}/disks`)).body.items
    const diskRow = panel(page).locator(`tr[data-id="${disk.id}"]`)
    await diskRow.waitFor()
    assert.equal(await diskRow.locator("[data-backup-count]").innerText(), "0")
    const backups = panel(page).locator(`[data-disk-panel="${disk.id}"]`)

    await diskRow.locator("[data-act=backup]").click()
    await backups.locator("tr:has([data-kind=full]) [data-item-state=ready]").waitFor()
    await diskRow.locator("[data-act=backup]").click()
    await backups.locator("tr:has([data-kind=incremental]) [data-item-state=ready]").waitFor()
    assert.equal(await notice(backups, "success").innerText(), "Incremental backup made")
    await eventually("the count", async () => (await diskRow.locator("[data-backup-count]").innerText()) === "2")
    const listed = (await api("GET", `/vms/${vmId}/disks/${disk.id}/backups`)).body.items
    assert.deepEqual(
      listed.map((b: { kind: string }) => b.kind),
      ["incremental", "full"],
    )
    const rows = backups.locator("tbody tr")
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-id"))), [
      listed[0].id,
      listed[1].id,
    ])
    assert.match(await diskRow.innerText(), new RegExp(await shownTime(page, listed[0].createdAt)))

    await backups.locator(`tr[data-id="${listed[0].id}"] [data-act=restore]`).click()
    const dialog = detail(page).locator("dialog[open]")
    await dialog.locator("#dialog-input").fill("restored_disk")
    await dialog.locator("[data-confirm]").click()
    await eventually("the restore's outcome", async () =>
      (await notice(backups, "success").innerText()).includes("restored"),
    )
    assert.equal(await notice(backups, "success").innerText(), "Restored into the new disk restored_disk, not attached")
    const restored = (await heardEvents(page, "hx-task-finished")).find(
      (e) => e.detail.task.operation === "disk.restore-backup",
    )
    const newDisk = await w.agent.run(Store.use((s) => s.disks.get(restored?.detail.task.result.diskId)))
    assert.deepEqual([newDisk.name, newDisk.vmId], ["restored_disk", null])
    await shoot("vm-detail-disk-backups")
    await backups.locator("[data-add-schedule]").click()
    assert.deepEqual(await unnamedControls(page, "hx-vm-detail"), [])

    await backups.locator(`tr[data-id="${listed[0].id}"] [data-act=delete]`).click()
    await dialog.locator("[data-confirm]").click()
    await backups.locator(`tr[data-id="${listed[0].id}"]`).waitFor({ state: "detached" })
    await eventually("the count", async () => (await diskRow.locator("[data-backup-count]").innerText()) === "1")
    assert.deepEqual(
      (await api("GET", `/vms/${vmId}/disks/${disk.id}/backups`)).body.items.map((b: { id: string }) => b.id),
      [listed[1].id],
    )
    assert.deepEqual(errors, [])
  })

  it("P1 R3 a snapshot while a disk has a backup is refused with its rule, in the caller's language (#21: Take snapshot disabled with it)", async () => {
    const [vmId = ""] = await w.createVms(["disk_exclusive"])
    const [disk] = (await api("GET", `/vms/${vmId}/disks`)).body.items
    await settled("POST", `/vms/${vmId}/disks/${disk.id}/backups`, {})
    for (const [lang, label] of [
      ["en", "Take snapshot"],
      ["zh-CN", "创建快照"],
    ] as const) {
      const { page, errors, shoot } = await open(vmId, { lang, tab: "snapshots" })
      const take = panel(page).getByRole("button", { name: label })
      await take.waitFor()
      const direct = await w.agent.call("POST", `/api/v1/vms/${vmId}/snapshots`, { body: {}, lang })
      assert.equal(direct.status, 409)
      assert.equal(direct.body.error.rule, "no-backups")
      // #21: the core's preview says so before the click: disabled, with the refusal on hover and its rule.
      assert.equal(await take.isDisabled(), true)
      assert.equal(await take.getAttribute("data-rule"), "no-backups")
      assert.equal(await take.getAttribute("title"), direct.body.error.message)
      if (lang === "zh-CN") assert.match((await take.getAttribute("title")) ?? "", /[\u4e00-\u9fff]/)
      assert.equal((await api("GET", `/vms/${vmId}/snapshots`)).body.items.length, 0, "nothing was made")
      await shoot(`vm-detail-snapshot-refused-${lang}`)
      assert.deepEqual(errors, [])
    }
  })

  it("D5 an agent without the routes: the snapshots tab says so and the disks tab lists the detail's disks", async () => {
    const [vmId = ""] = await w.createVms(["old_agent"])
    const session = await browser.open()
    await session.page.route("**/api/v1/openapi.json", async (route) => {
      const response = await route.fetch()
      const document = await response.json()
      for (const path of Object.keys(document.paths)) {
        if (/snapshot|disks|backup/.test(path)) delete document.paths[path]
      }
      await route.fulfill({ response, json: document })
    })
    const { page } = session
    await page.goto(w.page(`<hx-vm-detail token="${w.agent.tokens.owner}" vm-id="${vmId}"></hx-vm-detail>`))
    const [disk] = (await api("GET", `/vms/${vmId}`)).body.resources.disks
    await panel(page).locator("tr", { hasText: disk.name }).waitFor()
    assert.equal(await panel(page).locator("[data-act=backup]").count(), 0)
    await detail(page).locator("#tab-snapshots").click()
    await panel(page).locator("[data-not-offered]").waitFor()
    assert.equal(
      await panel(page).locator("[data-not-offered]").innerText(),
      "This agent does not offer snapshots yet.",
    )
    assert.deepEqual(session.errors, [])
  })
})
