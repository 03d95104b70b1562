import type { Page } from "playwright-core"

/** The hx- events a page heard on document, in order, with their details as JSON. */
export interface HeardEvent {
  readonly type: string
  // biome-ignore lint/suspicious/noExplicitAny: tests read event details loosely, as a portal would
  readonly detail: any
}

export const hxEventTypes = [
  "hx-selection-change",
  "hx-vm-open",
  "hx-console-open",
  "hx-task-started",
  "hx-task-finished",
  "hx-vm-created",
  "hx-error",
  "hx-console-status",
  "hx-token-expiring",
  "hx-token-needed",
]

/** Listen on document for every hx- event from the page's first script on (they bubble and are composed). */
export const recordEvents = async (page: Page): Promise<void> => {
  await page.addInitScript((types: ReadonlyArray<string>) => {
    const heard: Array<unknown> = []
    Object.assign(window, { __hxEvents: heard })
    for (const type of types) {
      document.addEventListener(type, (event) =>
        heard.push({ type, detail: JSON.parse(JSON.stringify((event as CustomEvent).detail ?? null)) }),
      )
    }
  }, hxEventTypes)
}

export const heardEvents = (page: Page, type?: string): Promise<ReadonlyArray<HeardEvent>> =>
  page.evaluate(
    (wanted) =>
      ((window as unknown as { __hxEvents?: Array<HeardEvent> }).__hxEvents ?? []).filter(
        (event) => wanted === undefined || event.type === wanted,
      ),
    type,
  )

/** Wait until `check` holds, polling; fails with `what` after `timeoutMs`. */
export const eventually = async <A>(
  what: string,
  check: () => Promise<A | undefined | false>,
  timeoutMs = 15_000,
): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * The controls in an element's shadow root that have no accessible name (no label, aria-label, text or title): what
 * a screen reader would announce as just "button" or "edit text". Empty means every control is labelled.
 */
export const unnamedControls = (page: Page, selector: string): Promise<ReadonlyArray<string>> =>
  page.locator(selector).evaluate((host) =>
    [...(host.shadowRoot?.querySelectorAll("input, select, textarea, button") ?? [])]
      .filter((control) => {
        const el = control as HTMLInputElement
        const named =
          el.getAttribute("aria-label") ||
          el.getAttribute("aria-labelledby") ||
          (el.labels?.length ?? 0) > 0 ||
          el.textContent?.trim() ||
          el.getAttribute("title")
        return !named && el.type !== "hidden"
      })
      .map((control) => control.outerHTML.slice(0, 160)),
  )
