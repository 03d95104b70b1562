/**
 * Browser test support: Debian's Chromium driven by playwright-core, screenshots under artifacts/screenshots/, and a
 * page's uncaught errors collected so a test can say there were none.
 */
import { existsSync } from "node:fs"
import { mkdir } from "node:fs/promises"
import { join } from "node:path"
import { after, before } from "node:test"
import { fileURLToPath } from "node:url"
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core"

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

/** The flags CI runs Chromium with: headless, no sandbox (root in a container), nothing that phones home. */
export const chromiumFlags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
]

/**
 * Without Chromium the browser suites skip on a developer's machine; in CI (CI set) they run and fail, since a
 * missing browser there is a broken pipeline (.ci/run installs Debian's chromium).
 */
export const browserSkip: string | false =
  existsSync(chromiumPath) || process.env.CI ? false : `Chromium not found at ${chromiumPath}: apt-get install chromium`

/** artifacts/screenshots/ at the repository's root (git-ignored; CI keeps it as test artifacts). */
export const screenshotDir = fileURLToPath(new URL("../../artifacts/screenshots/", import.meta.url))

export interface BrowserSession {
  readonly browser: () => Browser
  /** A fresh context (own storage, downloads on) and page; errors on the page are kept in `errors`. */
  readonly open: (options?: { readonly locale?: string }) => Promise<TestPage>
}

export interface TestPage {
  readonly page: Page
  readonly context: BrowserContext
  /** Uncaught exceptions and console errors on the page. */
  readonly errors: Array<string>
  /** A full-page screenshot to artifacts/screenshots/<name>.png; returns its path. */
  readonly shoot: (name: string) => Promise<string>
}

/** One Chromium for the tests of the enclosing describe. */
export const useBrowser = (): BrowserSession => {
  let browser: Browser | undefined
  const contexts: Array<BrowserContext> = []
  before(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumFlags })
    await mkdir(screenshotDir, { recursive: true })
  })
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
  })
  const live = () => {
    if (browser === undefined) throw new Error("useBrowser: used before its before() hook")
    return browser
  }
  return {
    browser: live,
    open: async (options = {}) => {
      const context = await live().newContext({
        viewport: { width: 1280, height: 900 },
        acceptDownloads: true,
        locale: options.locale ?? "en-US",
      })
      contexts.push(context)
      const page = await context.newPage()
      const errors: Array<string> = []
      page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`))
      page.on("console", (message) => {
        // A refused request (4xx the test asks for) also logs "Failed to load resource"; those are not page bugs.
        if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
          errors.push(`console: ${message.text()}`)
        }
      })
      const shoot = async (name: string) => {
        const path = join(screenshotDir, `${name}.png`)
        await page.screenshot({ path, fullPage: true })
        return path
      }
      return { page, context, errors, shoot }
    },
  }
}
