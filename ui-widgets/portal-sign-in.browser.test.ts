// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import { after, before, describe, it } from "node:test"
import type { Page } from "playwright-core"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually, heardEvents, recordEvents } from "./testing/page.ts"

/**
 * #21 portal sign-in in Chromium: the portal's backend (here the test, through page.exposeFunction) mints the owner a
 * short-lived token with the admin's; <hx-vm-list> asks for a fresh one before it expires and on a 401.
 */
describe("#21 portal sign-in: short-lived tokens renewed by the page", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  const rowNames = (page: Page) => page.locator("hx-vm-list tbody tr[data-vm-id] [data-open]").allTextContents()

  /** What the example backend does: POST /tokens as an admin, for the signed-in user, with a TTL. */
  const mint = async (ttlSeconds: number) => {
    const minted = await w.agent.call("POST", "/api/v1/tokens", {
      as: "admin",
      body: { name: "portal session", userId: w.agent.users.owner.id, ttlSeconds },
    })
    assert.equal(minted.status, 201)
    return {
      token: minted.body.secret as string,
      expiresAt: minted.body.token.expiresAt as string,
      id: minted.body.token.id as string,
    }
  }

  /** A page whose `window.portalToken()` mints through the test, counting the calls. */
  const portalPage = async () => {
    const opened = await browser.open()
    const minted: Array<string> = []
    await opened.page.exposeFunction("portalToken", async () => {
      const fresh = await mint(60)
      minted.push(fresh.token)
      return { token: fresh.token, expiresAt: fresh.expiresAt }
    })
    await recordEvents(opened.page)
    return { ...opened, minted }
  }

  /** Chromium logs the events socket its stale token could not open (as it logs a refused fetch): not a page bug. */
  const pageBugs = (errors: ReadonlyArray<string>) =>
    errors.filter(
      (error) => !/WebSocket connection to '.*\/api\/v1\/events' failed: HTTP Authentication failed/.test(error),
    )

  /** Every /api/v1/vms request's token and answer. */
  const watchListRequests = (page: Page) => {
    const seen: Array<{ token: string; status: number }> = []
    page.on("response", (response) => {
      if (new URL(response.url()).pathname !== "/api/v1/vms") return
      const token =
        response
          .request()
          .headers()
          .authorization?.replace(/^Bearer /, "") ?? ""
      seen.push({ token, status: response.status() })
    })
    return seen
  }

  it("a token about to expire is renewed through tokenProvider: the list keeps its page and selection, no request is refused, no error", async () => {
    const suite = `renew${Date.now()}`
    for (let i = 1; i <= 7; i++) await w.agent.seedVm({ displayName: `renew_${i}`, tags: { suite } })
    const first = await mint(5)
    const { page, errors, minted } = await portalPage()
    const requests = watchListRequests(page)
    await page.goto(
      w.page(`<hx-vm-list token="${first.token}" token-expires="${first.expiresAt}" page-size="5"></hx-vm-list>`),
    )
    await page.evaluate(() => {
      const list = document.querySelector("hx-vm-list") as HTMLElement & { tokenProvider?: () => Promise<unknown> }
      list.tokenProvider = () => (window as unknown as { portalToken: () => Promise<unknown> }).portalToken()
    })
    await page.locator("hx-vm-list input[type=search]").fill("renew_")
    await eventually("the first page", async () => (await rowNames(page)).length === 5)
    await page.getByRole("button", { name: "Next page" }).click()
    await eventually("the second page", async () => (await rowNames(page)).length === 2)
    const chosen = page.locator("hx-vm-list tbody tr[data-vm-id]").first()
    await chosen.locator("input[type=checkbox]").check()
    const chosenId = await chosen.getAttribute("data-vm-id")

    const expiring = await eventually(
      "hx-token-expiring",
      async () => (await heardEvents(page, "hx-token-expiring"))[0],
    )
    assert.equal(expiring.detail.expiresAt, first.expiresAt)
    await eventually("the provider's token", async () => minted.length === 1)
    await eventually("the first token's expiry", async () => Date.now() > Date.parse(first.expiresAt) + 200, 10_000)
    const old = await w.agent.call("GET", "/api/v1/vms", { authorization: `Bearer ${first.token}` })
    assert.equal(old.status, 401, "the first token is dead by now")

    await page.getByRole("button", { name: "Previous page" }).click()
    await eventually("page one again", async () => (await rowNames(page)).length === 5)
    await page.getByRole("button", { name: "Next page" }).click()
    await eventually("page two again", async () => (await rowNames(page)).length === 2)
    assert.equal(
      await page.locator(`hx-vm-list tr[data-vm-id="${chosenId}"]`).getAttribute("aria-selected"),
      "true",
      "the selection survived the renewal",
    )
    assert.deepEqual(
      requests.filter((r) => r.status !== 200),
      [],
      "renewed before expiry: no request was refused",
    )
    assert.equal(requests.at(-1)?.token, minted[0], "later requests carry the fresh token")
    assert.deepEqual(await heardEvents(page, "hx-error"), [])
    assert.equal(await page.locator("hx-vm-list [data-signed-out]").count(), 0)
    assert.deepEqual(errors, [])
  })

  it("a refused token (401) is renewed through tokenProvider and the request retried once: the list shows, no error", async () => {
    await w.agent.seedVm({ displayName: "retry_1" })
    const revoked = await mint(60)
    await w.agent.call("DELETE", `/api/v1/tokens/${revoked.id}`, { as: "admin" })
    const { page, errors, minted } = await portalPage()
    const requests = watchListRequests(page)
    await page.goto(w.page(""))
    await page.evaluate((token) => {
      const list = document.createElement("hx-vm-list") as HTMLElement & {
        token: string
        tokenProvider?: () => Promise<unknown>
      }
      list.tokenProvider = () => (window as unknown as { portalToken: () => Promise<unknown> }).portalToken()
      list.token = token
      document.body.append(list)
    }, revoked.token)
    await eventually("the rows", async () => (await rowNames(page)).includes("retry_1"))
    assert.equal(minted.length, 1)
    assert.deepEqual(
      requests
        .slice(0, 2)
        .map((r) => [r.token === revoked.token ? "revoked" : r.token === minted[0] ? "fresh" : "?", r.status]),
      [
        ["revoked", 401],
        ["fresh", 200],
      ],
    )
    assert.equal((await heardEvents(page, "hx-token-needed")).length, 1)
    assert.deepEqual(await heardEvents(page, "hx-error"), [])
    assert.deepEqual(pageBugs(errors), [])
  })

  it("an expired token without a provider: hx-token-needed, then the neutral signed-out state and one hx-error", async () => {
    const revoked = await mint(60)
    await w.agent.call("DELETE", `/api/v1/tokens/${revoked.id}`, { as: "admin" })
    const { page, errors } = await portalPage()
    await page.goto(w.page(`<hx-vm-list token="${revoked.token}"></hx-vm-list>`))
    assert.equal(await page.locator("hx-vm-list [data-signed-out]").innerText(), "Not signed in")
    const told = await eventually("hx-error", async () => (await heardEvents(page, "hx-error"))[0])
    assert.equal(told.detail.status, 401)
    assert.equal(told.detail.code, "unauthenticated")
    assert.equal((await heardEvents(page, "hx-token-needed")).length, 1)
    assert.doesNotMatch(await page.locator("body").innerText(), /token|令牌/i, "no developer text on the page")
    // The page signs the user in again: a fresh token brings the list back.
    const fresh = await mint(60)
    await page.evaluate((token) => {
      ;(document.querySelector("hx-vm-list") as HTMLElement & { token: string }).token = token
    }, fresh.token)
    await page.locator("hx-vm-list tbody tr[data-vm-id]").first().waitFor()
    assert.equal(await page.locator("hx-vm-list [data-signed-out]").count(), 0)
    assert.deepEqual(pageBugs(errors), [])
  })
})

describe("#21 the example portal backend (ui-widgets/examples/portal-backend.mjs) end to end", {
  skip: browserSkip,
}, () => {
  const origins: Array<string> = []
  const settings = { agentUrl: "", adminToken: "", userId: "", ttlSeconds: 5 }
  let portal: Server | undefined
  let portalOrigin = ""
  // Listening before the agent's hooks run, so the agent's CORS list has the portal's origin when its app is made.
  before(async () => {
    const example = (await import("./examples/portal-backend.mjs" as string)) as {
      portalBackend: (options: typeof settings) => Server
    }
    portal = example.portalBackend(settings)
    await new Promise<void>((resolve) => portal?.listen(0, "127.0.0.1", resolve))
    portalOrigin = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`
    origins.push(portalOrigin)
  })
  after(() => new Promise<void>((resolve) => (portal ? portal.close(() => resolve()) : resolve())))
  const w = useWidgetAgent({ corsOrigins: origins })
  const browser = useBrowser()

  it("the page gets a 5-second token from its backend, renews it before expiry and keeps listing", async () => {
    Object.assign(settings, { agentUrl: w.base(), adminToken: w.agent.tokens.admin, userId: w.agent.users.owner.id })
    await w.agent.seedVm({ displayName: "portal_example_vm" })
    const { page, errors } = await browser.open()
    await recordEvents(page)
    const mints: Array<number> = []
    page.on("response", (response) => {
      if (new URL(response.url()).pathname === "/session-token") mints.push(response.status())
    })
    const minted = page.waitForResponse((response) => new URL(response.url()).pathname === "/session-token")
    await page.goto(portalOrigin)
    const firstExpiry = Date.parse((await (await minted).json()).expiresAt)
    await page.locator("hx-vm-list tbody tr[data-vm-id]").first().waitFor()
    await eventually("a renewal before the first token expired", async () => mints.length === 2, 10_000)
    await eventually("the first token's expiry", async () => Date.now() > firstExpiry + 200, 10_000)
    await page.locator("hx-vm-list input[type=search]").fill("portal_example")
    await eventually("the list, with the renewed token", async () =>
      (await page.locator("hx-vm-list tbody tr[data-vm-id] [data-open]").allTextContents()).includes(
        "portal_example_vm",
      ),
    )
    assert.deepEqual(mints, [200, 200])
    assert.deepEqual(await heardEvents(page, "hx-error"), [])
    assert.deepEqual(errors, [])
  })
})
