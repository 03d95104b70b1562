// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
/**
 * #15 in the browser, on a real agent (`npm start`'s) with QEMU guests and host networking in a namespace this test
 * makes: the wizard's network step (auto's preview, a network without free IPs disabled with the reason, two networks
 * by hand with a fixed IP and the default moved) and <hx-vm-detail>'s network tab (N1–N6 from allowedActions), in
 * English and in Chinese. What the widgets did is checked through the API, as a user's other tools would see it.
 */
import assert from "node:assert/strict"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import type { Page } from "playwright-core"
import { jsonApi } from "../agent/testing/json-api.ts"
import { useQemuAgent } from "../agent/testing/qemu-agent.ts"
import { Store } from "../core/store/ports.ts"
import { addNetns, deleteNetns, netnsSkipUnlessCi, uniqueName } from "../plugins/linux-net/testing.ts"
import { qemuInstalled } from "../plugins/qemu/driver/testing.ts"
import { buildWidgets } from "./build.ts"
import { browserSkip, screenshotDir, useBrowser } from "./testing/browser.ts"
import { eventually, heardEvents, recordEvents } from "./testing/page.ts"

// biome-ignore lint/suspicious/noExplicitAny: the test reads JSON replies as any API client would
type Json = any

const skip = browserSkip || (qemuInstalled() ? netnsSkipUnlessCi() : "QEMU is not installed")

describe("the network step and the network tab on real QEMU and host networking, in Chromium (#15)", { skip }, () => {
  const netns = uniqueName("hxui")
  const browser = useBrowser()
  const { live, log } = useQemuAgent(
    "hx-net-ui-",
    async () => {
      addNetns(netns)
      await buildWidgets()
    },
    { env: { HYPERX_NETWORK: "linux", HYPERX_NETNS: netns, HYPERX_NET_PREFIX: "hxu" } },
  )
  const http = jsonApi(
    () => live().origin,
    () => live().token,
  )
  after(() => deleteNetns(netns))
  const ids: Record<"lan" | "dmz" | "full", string> = { lan: "", dmz: "", full: "" }
  /** The VM each language's wizard made. */
  const made = new Map<string, string>()
  let department = ""

  const network = async (name: string, subnet: Json) => {
    const reply = await http("POST", "/api/v1/networks", { name, kind: "isolated", departmentId: department, subnet })
    assert.equal(reply.status, 201, JSON.stringify(reply.body))
    return reply.body.id as string
  }
  const nicsOf = async (vmId: string): Promise<ReadonlyArray<Json>> =>
    (await http("GET", `/api/v1/vms/${vmId}/nics`)).body.items
  const untilState = (vmId: string, state: string) =>
    eventually(
      `${vmId} ${state}`,
      async () => (await http("GET", `/api/v1/vms/${vmId}`)).body?.runtime?.state === state,
      300_000,
    ).catch((error) => assert.fail(`${error}\n${log.join("\n")}`))

  /**
   * The demo portal the agent serves (its origin, its bundle), with the element under test put first in the page: a
   * page fulfilled by the test itself would not count as the agent's local address, and Chromium blocks its sockets.
   */
  const open = async (lang: string, body: string): Promise<Page> => {
    const { page, errors } = await browser.open()
    pageErrors.push(errors)
    await recordEvents(page)
    await page.goto(`${live().origin}/demo?token=${live().token}&lang=${lang}`)
    await page.locator("hx-vm-list").waitFor()
    await page.evaluate(
      (html) => {
        const under = document.createElement("div")
        under.id = "under-test"
        under.innerHTML = html
        document.body.prepend(under)
      },
      body.replaceAll("TOKEN", live().token ?? ""),
    )
    return page
  }
  const pageErrors: Array<Array<string>> = []
  /** The element alone (the demo portal behind it is not what is shown), to artifacts/screenshots/. */
  const shoot = (element: ReturnType<Page["locator"]>, name: string) =>
    element.screenshot({ path: join(screenshotDir, `${name}.png`) })

  /** Basic info, image and flavor; leaves the wizard on its network step. */
  const toNetworkStep = async (page: Page, name: string) => {
    const wizard = page.locator("#under-test hx-vm-create")
    await wizard.locator("#name").fill(name)
    await wizard.locator("[data-next]").click()
    await wizard.locator("input[name=image][value=tiny-linux]").check()
    await wizard.locator("[data-next]").click()
    await wizard.locator("input[name=flavor][value=tiny]").check()
    await wizard.locator("[data-next]").click()
    await wizard.locator("[data-current-step=network]").waitFor()
    return wizard
  }
  const submit = async (page: Page) => {
    const wizard = page.locator("#under-test hx-vm-create")
    await wizard.locator("[data-next]").click()
    await wizard.locator("[data-submit]").click()
    const created = await eventually("hx-vm-created", async () => (await heardEvents(page, "hx-vm-created")).at(-1))
    return created.detail.vmIds[0] as string
  }

  const detailOf = async (lang: string, vmId: string) => {
    const page = await open(lang, `<hx-vm-detail token="TOKEN" lang="${lang}" vm-id="${vmId}"></hx-vm-detail>`)
    const detail = page.locator("#under-test hx-vm-detail")
    await detail.locator("#tab-network").click()
    await detail.locator("[data-nics]").waitFor()
    return detail
  }

  it("setup: three networks, one of them without a free IP", async () => {
    const users = await live().runtime.runPromise(Store.use((s) => s.users.list()))
    department = (users.find((user) => user.role === "superadmin") ?? assert.fail("no superadmin")).departmentId
    ids.lan = await network("lan", { cidr: "10.93.0.0/24" })
    ids.dmz = await network("dmz", { cidr: "10.94.0.0/28" })
    ids.full = await network("full", {
      cidr: "10.95.0.0/29",
      rangeStart: "10.95.0.2",
      rangeEnd: "10.95.0.2",
      reserved: ["10.95.0.2"],
    })
  })

  it("C6 (English) the wizard: auto's preview, a full network disabled with the reason, two networks by hand", async () => {
    const page = await open("en", `<hx-vm-create token="TOKEN" lang="en"></hx-vm-create>`)
    const wizard = await toNetworkStep(page, "net_ui_en")
    assert.equal(await wizard.locator("[data-auto-pick]").innerText(), "Now that is lan, with 253 free IPs.")
    await wizard.locator("input[name=network-mode][value=manual]").check()
    const full = wizard.locator(`tr[data-network="${ids.full}"]`)
    assert.equal(await full.locator("[data-choose]").isDisabled(), true)
    assert.equal(await full.locator("[data-full]").innerText(), "No free IP: this network cannot be chosen")
    // nothing chosen: Next is held back with the reason
    await wizard.locator("[data-next]").click()
    assert.equal(await wizard.locator("#networks-error").getAttribute("data-rule"), "required")

    const lan = wizard.locator(`tr[data-network="${ids.lan}"]`)
    const dmz = wizard.locator(`tr[data-network="${ids.dmz}"]`)
    await lan.locator("[data-choose]").check()
    await dmz.locator("[data-choose]").check()
    await lan.locator("[data-ip]").fill("10.93.9.9")
    assert.equal(await wizard.locator("#networks-error").getAttribute("data-rule"), "fixed-ip-available")
    await lan.locator("[data-ip]").fill("10.93.0.50")
    await dmz.locator("[data-default]").check()
    await shoot(wizard, "vm-create-networks-en")
    assert.equal(await wizard.locator("#networks-error").innerText(), "")
    const vmId = await submit(page)
    await untilState(vmId, "running")
    const nics = await nicsOf(vmId)
    const lanNic = nics.find((nic) => nic.networkId === ids.lan)
    const dmzNic = nics.find((nic) => nic.networkId === ids.dmz)
    assert.deepEqual([lanNic?.primaryIp, lanNic?.isDefault, dmzNic?.isDefault], ["10.93.0.50", false, true])
    assert.deepEqual(pageErrors.flat(), [])
    made.set("en", vmId)
  })

  it("N1–N6 (English) the network tab: secondary IP acquired and deleted, default moved, a network removed and joined", async () => {
    const vmId = made.get("en") ?? assert.fail("no VM from the wizard")
    const detail = await detailOf("en", vmId)
    const row = (networkId: string) => detail.locator("tr", { hasText: networkId === ids.lan ? "10.93.0" : "10.94.0" })
    // N2 on a running VM: refused, with the rule's message on hover
    const edit = row(ids.lan).locator("[data-act=edit-primary-ip]")
    assert.equal(await edit.isDisabled(), true)
    assert.equal(await edit.getAttribute("data-rule"), "stopped-only")
    assert.ok(((await edit.getAttribute("title")) ?? "").length > 0)
    // N6 on the default network: refused with not-default-network
    assert.equal(await row(ids.dmz).locator("[data-act=remove]").getAttribute("data-rule"), "not-default-network")
    // F9 N5: the default network offers no "set as default"
    const setDmz = row(ids.dmz).locator("[data-act=set-default]")
    assert.deepEqual(
      [await setDmz.isDisabled(), await setDmz.getAttribute("data-rule")],
      [true, "network-already-default"],
    )

    // N3
    await row(ids.lan).locator("[data-act=add-secondary-ip]").click()
    const success = detail.locator("[data-notice=success]")
    await success.waitFor()
    const lanNic = (await nicsOf(vmId)).find((nic) => nic.networkId === ids.lan)
    const [secondary] = lanNic.secondaryIps
    assert.match(secondary, /^10\.93\.0\.\d+$/)
    assert.equal(await success.innerText(), `Secondary IP ${secondary} acquired`)
    // N4, confirmed first
    await row(ids.lan).locator(`[data-secondary-ip="${secondary}"] [data-act=remove-secondary-ip]`).click()
    await detail.locator("dialog[open] [data-confirm]").click()
    await detail.locator("[data-notice=success]", { hasText: `Secondary IP ${secondary} deleted` }).waitFor()
    assert.deepEqual((await nicsOf(vmId)).find((nic) => nic.networkId === ids.lan).secondaryIps, [])

    // N5 then N6: lan becomes the default, so dmz can go
    await row(ids.lan).locator("[data-act=set-default]").click()
    await detail.locator("dialog[open] [data-confirm]").click()
    await detail.locator("[data-notice=success]", { hasText: "lan is the default network" }).waitFor()
    await eventually(
      "dmz removable",
      async () => (await row(ids.dmz).locator("[data-act=remove]").isEnabled()) || false,
    )
    await row(ids.dmz).locator("[data-act=remove]").click()
    await detail.locator("dialog[open] [data-confirm]").click()
    await detail.locator("[data-notice=success]", { hasText: "Network dmz removed" }).waitFor()
    assert.deepEqual(
      (await nicsOf(vmId)).map((nic) => [nic.networkId, nic.isDefault]),
      [[ids.lan, true]],
    )

    // N1: dmz again through the join form; the full network is offered but cannot be chosen
    const join = detail.locator("[data-join-network]")
    assert.equal(await join.locator(`option[value="${ids.full}"]`).isDisabled(), true)
    await join.locator("select").selectOption(ids.dmz)
    await join.locator("[data-act=join]").click()
    await detail.locator("[data-notice=success]", { hasText: "Joined network dmz with 10.94.0." }).waitFor()
    await row(ids.dmz).waitFor()
    // the joined network left the form; what it offers now is never the full one
    assert.notEqual(await join.locator("select").inputValue(), ids.full)
    await shoot(detail.locator("[role=tabpanel]"), "vm-detail-network-tab-en")
    assert.deepEqual((await nicsOf(vmId)).map((nic) => nic.networkId).sort(), [ids.lan, ids.dmz].sort())
    assert.deepEqual(pageErrors.flat(), [])
  })

  it("C6 N2 (中文) auto in the wizard; on the stopped VM the primary IP is edited in the network tab", async () => {
    const page = await open("zh-CN", `<hx-vm-create token="TOKEN" lang="zh-CN"></hx-vm-create>`)
    const wizard = await toNetworkStep(page, "网络_中文")
    assert.match(await wizard.locator("[data-auto-pick]").innerText(), /^当前为 lan，可用IP \d+ 个。$/)
    await wizard.locator("input[name=network-mode][value=manual]").check()
    assert.equal(
      await wizard.locator(`tr[data-network="${ids.full}"] [data-full]`).innerText(),
      "可用IP为0，不支持选择",
    )
    await wizard.locator("input[name=network-mode][value=auto]").check()
    const vmId = await submit(page)
    await untilState(vmId, "running")
    const [nic] = await nicsOf(vmId)
    assert.equal(nic.networkId, ids.lan, "auto: the subnet with the most free IPs")

    const stop = await http("POST", `/api/v1/vms/${vmId}/stop`, { force: true })
    assert.equal(stop.status, 202, JSON.stringify(stop.body))
    await untilState(vmId, "stopped")
    const detail = await detailOf("zh-CN", vmId)
    const edit = detail.locator(`tr[data-id="${nic.id}"] [data-act=edit-primary-ip]`)
    assert.equal((await edit.innerText()).trim(), "编辑主IP")
    await eventually("edit enabled", async () => (await edit.isEnabled()) || false)
    await edit.click()
    const dialog = detail.locator("dialog[open]")
    assert.equal(await dialog.locator("h2").innerText(), "编辑网络 lan 的主IP地址")
    await dialog.locator("#dialog-input").fill("10.93.0.77")
    await dialog.locator("[data-confirm]").click()
    await detail.locator("[data-notice=success]", { hasText: "网络 lan 的主IP已修改" }).waitFor()
    assert.equal((await nicsOf(vmId))[0].primaryIp, "10.93.0.77")
    // a taken address: the API's Chinese refusal, with its rule, where the user acted
    await edit.click()
    await dialog.locator("#dialog-input").fill("10.93.0.50")
    await dialog.locator("[data-confirm]").click()
    const refusal = detail.locator("[data-notice=error]")
    await refusal.waitFor()
    assert.equal(await refusal.getAttribute("data-rule"), "fixed-ip-available")
    assert.match(await refusal.innerText(), /已被占用/)
    await shoot(detail.locator("[role=tabpanel]"), "vm-detail-network-tab-zh")
    assert.deepEqual(pageErrors.flat(), [])
  })
})
