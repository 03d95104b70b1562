import assert from "node:assert/strict"
import type { Page } from "playwright-core"
import { readSheet } from "read-excel-file/node"
import { eventually, heardEvents } from "./page.ts"

export interface PortalFlow {
  readonly page: Page
  /** The demo portal's URL, with ?token= (and ?lang=, ?api=). */
  readonly url: string
  readonly vmName: string
  /** Screenshot names start with this (demo-fake-en, …). */
  readonly label: string
  readonly shoot: (name: string) => Promise<string>
  /** How long a new VM may take to run (a real guest boots under TCG). */
  readonly bootMs: number
  /** What the console must show before the flow goes on (a real guest's screen). */
  readonly checkScreen?: (page: Page) => Promise<void>
}

export interface PortalFlowResult {
  readonly vmId: string
  readonly screenshots: ReadonlyArray<string>
  /** The exported sheet: header row first. */
  readonly sheet: ReadonlyArray<ReadonlyArray<unknown>>
}

/**
 * The acceptance walk through the demo portal, as a user does it: create a VM with the wizard, see it reach
 * running in the list without reloading, open it and its console, stop it with a batch action, export the list.
 */
export const walkPortal = async (flow: PortalFlow): Promise<PortalFlowResult> => {
  const { page, label } = flow
  const shots: Array<string> = []
  const shoot = async (name: string) => shots.push(await flow.shoot(`${label}-${name}`))
  await page.goto(flow.url)
  await page.locator("hx-vm-list [part=table]").waitFor()
  await page.evaluate(() => Object.assign(window, { __notReloaded: true }))

  await page.locator("[data-page=request]").click()
  const wizard = page.locator("hx-vm-create")
  await wizard.locator("#name").fill(flow.vmName)
  await wizard.locator("[data-next]").click()
  await wizard.getByRole("radio").first().check()
  await wizard.locator("[data-next]").click()
  await wizard.getByRole("radio", { name: /^tiny/ }).first().check()
  await wizard.locator("[data-next]").click()
  await wizard.locator("[data-next]").click()
  await wizard.locator("[data-price=total]").waitFor()
  await shoot("create-confirm")
  await wizard.locator("[data-submit]").click()
  const created = await eventually("hx-vm-created", async () => (await heardEvents(page, "hx-vm-created")).at(-1))
  const vmId: string = created.detail.vmIds[0]

  const list = page.locator("hx-vm-list")
  await list.locator("input[type=search]").fill(flow.vmName)
  const row = list.locator(`tr[data-vm-id="${vmId}"]`)
  await row.locator(".state[data-state=running]").waitFor({ timeout: flow.bootMs })
  await shoot("list-running")

  // Leave the search box first, as a user tabbing on would: in Chromium its blur, after the page's layout changed
  // under it, can scroll the page and move the row between mouse-down and mouse-up.
  await list.locator("input[type=search]").press("Tab")
  await row.locator("[data-open]").click()
  const detail = page.locator("hx-vm-detail")
  await detail.locator("[data-action=console]:not([disabled])").click()
  const status = page.locator("hx-vm-console [part=status]")
  await eventually(
    "the console connected",
    async () => (await status.getAttribute("data-status")) === "connected",
    30_000,
  )
  await flow.checkScreen?.(page)
  await shoot("console")

  await row.locator("input[type=checkbox]").check()
  await list.locator("[data-batch=stop]").click()
  const dialog = list.locator("dialog[open]")
  await dialog.locator("[data-run]").click()
  await dialog.locator("[data-outcome=accepted]").waitFor()
  await shoot("batch-stop")
  await dialog.locator("[data-close]").click()
  await row.locator(".state[data-state=stopped]").waitFor({ timeout: flow.bootMs })
  await shoot("list-stopped")

  const [download] = await Promise.all([page.waitForEvent("download"), list.locator("[data-export]").click()])
  const sheet = await readSheet((await download.path()) ?? "")
  assert.equal(await page.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded), true)
  return { vmId, screenshots: shots, sheet }
}
