import type { WidgetAgent } from "./agent.ts"
import type { BrowserSession, TestPage } from "./browser.ts"
import { recordEvents } from "./page.ts"

/**
 * A page holding one <hx-vm-detail> for the VM, as the owner, in a language, its events recorded; resolved once the
 * header shows (and the tab is open, when one is named).
 */
export const openVmDetail = async (
  browser: BrowserSession,
  w: WidgetAgent,
  vmId: string,
  lang = "en",
  tab?: string,
): Promise<TestPage> => {
  const session = await browser.open()
  await recordEvents(session.page)
  await session.page.goto(
    w.page(`<hx-vm-detail token="${w.agent.tokens.owner}" vm-id="${vmId}"></hx-vm-detail>`, { lang }),
  )
  const detail = session.page.locator("hx-vm-detail")
  await detail.locator("[part=header]").waitFor()
  if (tab !== undefined) await detail.locator(`#tab-${tab}`).click()
  return session
}
