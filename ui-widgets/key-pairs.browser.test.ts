// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
import assert from "node:assert/strict"
import { readFile } from "node:fs/promises"
import { describe, it } from "node:test"
import type { Page } from "playwright-core"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually } from "./testing/page.ts"

/** <hx-key-pairs> against the agent's key-pair routes (R13, X5), in English and Chinese. */
describe("<hx-key-pairs> in Chromium (R13, X5)", { skip: browserSkip }, () => {
  const w = useWidgetAgent()
  const browser = useBrowser()
  const element = (page: Page) => page.locator("hx-key-pairs")
  const listed = async (as: "owner" | "salesUser") =>
    ((await w.agent.call("GET", "/api/v1/key-pairs", { as })).body.items as ReadonlyArray<{ name: string }>).map(
      (k) => k.name,
    )

  it("R13 X5 (English) a new pair's private key is shown once with a download; a public key is imported; one is deleted", async () => {
    const { page, errors, shoot } = await browser.open()
    await page.goto(w.page(`<hx-key-pairs token="${w.agent.tokens.owner}"></hx-key-pairs>`))
    const keys = element(page)
    await keys.locator("[data-empty]").waitFor()
    assert.equal(await keys.locator("[data-create]").isDisabled(), true, "no name yet")
    await keys.locator("#key-name").fill("laptop-en")
    assert.equal((await keys.locator("[data-create]").innerText()).trim(), "Create")
    await keys.locator("[data-create]").click()
    const secret = keys.locator("[data-private-key]")
    await secret.waitFor()
    const privateKey = await secret.innerText()
    assert.match(privateKey, /^-----BEGIN RSA PRIVATE KEY-----/)
    assert.match(await keys.locator("[part=private-key]").innerText(), /Shown this once/)
    const [download] = await Promise.all([page.waitForEvent("download"), keys.locator("[data-download]").click()])
    assert.equal(download.suggestedFilename(), "laptop-en.pem")
    assert.equal((await readFile(await download.path(), "utf8")).trim(), privateKey.trim())
    await shoot("key-pairs-private-key-en")
    await keys.locator("[data-done]").click()
    assert.equal(await keys.locator("[data-private-key]").count(), 0, "the private key is gone from the page")
    assert.deepEqual(await listed("owner"), ["laptop-en"])

    // import: the button says so; no private key is shown
    const made = (await w.agent.call("POST", "/api/v1/key-pairs", { as: "salesUser", body: { name: "x" } })).body
    await keys.locator("#key-name").fill("imported-en")
    await keys.locator("#key-public").fill(`${made.keyPair.publicKey} me@host`)
    assert.equal((await keys.locator("[data-create]").innerText()).trim(), "Import")
    await keys.locator("[data-create]").click()
    await eventually("two key pairs", async () => (await keys.locator("tr[data-key-pair]").count()) === 2)
    assert.equal(await keys.locator("[data-private-key]").count(), 0)
    const row = keys.locator("tr[data-key-pair]", { hasText: "imported-en" })
    assert.equal(await row.locator("[part=fingerprint]").innerText(), made.keyPair.fingerprint)

    // a refusal of the API shows its message (a name taken)
    await keys.locator("#key-name").fill("laptop-en")
    await keys.locator("#key-public").fill("")
    await keys.locator("[data-create]").click()
    await eventually("the refusal", async () =>
      /already have a key pair/.test(await keys.locator("[part=error]").innerText()),
    )

    await row.locator("[data-delete]").click()
    assert.match(await row.innerText(), /Delete imported-en\?/)
    await row.locator("[data-confirm-delete]").click()
    await eventually("one key pair", async () => (await keys.locator("tr[data-key-pair]").count()) === 1)
    assert.deepEqual(await listed("owner"), ["laptop-en"])
    await shoot("key-pairs-en")
    assert.deepEqual(
      errors.filter((e) => !/already have a key pair|400/.test(e)),
      [],
    )
  })

  it("R13 X5 (中文) 创建密钥对：私钥仅显示一次；删除", async () => {
    const { page, errors, shoot } = await browser.open()
    await page.goto(w.page(`<hx-key-pairs token="${w.agent.tokens.salesUser}"></hx-key-pairs>`, { lang: "zh-CN" }))
    const keys = element(page)
    await keys.locator("table").waitFor()
    const before = await listed("salesUser")
    await keys.locator("#key-name").fill("笔记本")
    assert.equal((await keys.locator("[data-create]").innerText()).trim(), "创建")
    await keys.locator("[data-create]").click()
    await keys.locator("[data-private-key]").waitFor()
    assert.match(await keys.locator("[part=private-key]").innerText(), /仅显示这一次/)
    assert.equal((await keys.locator("[data-download]").innerText()).trim(), "下载")
    await shoot("key-pairs-private-key-zh")
    await keys.locator("[data-done]").click()
    assert.deepEqual((await listed("salesUser")).sort(), [...before, "笔记本"].sort())
    const row = keys.locator("tr[data-key-pair]", { hasText: "笔记本" })
    await row.locator("[data-delete]").click()
    assert.match(await row.innerText(), /删除 笔记本？/)
    await row.locator("[data-confirm-delete]").click()
    await eventually("the pair gone", async () => (await listed("salesUser")).length === before.length)
    assert.deepEqual(errors, [])
  })
})
