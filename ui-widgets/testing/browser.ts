/**
 * Browser test support: Debian's Chromium driven by playwright-core, screenshots under artifacts/screenshots/, and a
 * page's uncaught errors collected so a test can say there were none.
 */
import { execFileSync } from "node:child_process"
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

/** Whether `closing` settled within `ms` (a failed close counts as settled: there is nothing more to wait for). */
const closeWithin = (closing: Promise<unknown>, ms: number): Promise<boolean> => {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  return Promise.race([
    closing.then(
      () => true,
      () => true,
    ),
    late,
  ]).finally(() => clearTimeout(timer))
}

/** SIGKILL this process's Chromium children (the browser process takes its own children with it). */
const killChromium = () => {
  try {
    execFileSync("pkill", ["-KILL", "-P", String(process.pid), "chromium"])
  } catch {
    // none left
  }
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
    // Closing can hang when Chromium is starved on a loaded machine (seen in a full run: the file's tests had passed
    // and its process waited on close for good): each close gets a bound, then Chromium is killed.
    for (const context of contexts) await closeWithin(context.close(), 10_000)
    if (browser !== undefined && !(await closeWithin(browser.close(), 15_000))) killChromium()
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
