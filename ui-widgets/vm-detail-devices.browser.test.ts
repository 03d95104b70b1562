// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
/**
 * The detail's bound resources (D4: ISO, USB, GPU, B6's detach on stop) and <hx-host-devices> in Chromium against the
 * real API on the fake driver, the host's devices read from a fake sysfs tree (a GPU in IOMMU group 12, one without a
 * group, two USB devices). The hot-plug itself is proven on real QEMU elsewhere (plugins/qemu/driver/usb-guest.qemu.test.ts).
 */
import assert from "node:assert/strict"
import { after, describe, it } from "node:test"
import type { Page } from "playwright-core"
import { Store } from "../core/index.ts"
import { sampleRows } from "../core/store/testing.ts"
import { makeHostDeviceSource } from "../plugins/host-devices/index.ts"
import { gpuHostTree } from "../plugins/host-devices/testing/fake-sysfs.ts"
import { useWidgetAgent } from "./testing/agent.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually, unnamedControls } from "./testing/page.ts"
import { openVmDetail } from "./testing/vm-detail.ts"

interface DeviceView {
  readonly id: string
  readonly address: string
  readonly vmId: string | null
  readonly driver: string | null
}

describe("<hx-vm-detail> bound resources and <hx-host-devices> in Chromium (D4, X1–X4, B6)", {
  skip: browserSkip,
}, () => {
  const tree = gpuHostTree()
  after(() => tree.cleanup())
  const w = useWidgetAgent({ devices: makeHostDeviceSource(tree.root) })
  const browser = useBrowser()
  const section = (page: Page) => page.locator("hx-vm-detail [data-block=block-devices]")
  const dialog = (page: Page) => page.locator("hx-vm-detail dialog[open]")
  const hostDevices = async () => {
    const path = `/api/v1/hosts/${w.agent.world.host.id}/devices/refresh`
    return (await w.agent.call("POST", path, { as: "superadmin" })).body.items as Array<DeviceView>
  }
  const vmRecord = (vmId: string) => w.agent.run(Store.use((s) => s.vms.get(vmId)))

  it("X3 X4 B6 X1 (English) insert an ISO and a USB device, stop detaching them, a GPU refused by the flavor", async () => {
    await hostDevices()
    const iso = await w.agent.run(
      Store.use((s) => s.images.insert(sampleRows.image({ name: "tools", format: "iso", location: "/srv/iso/t.iso" }))),
    )
    const [vmId = ""] = await w.createVms(["devices_en"])
    const { page, errors, shoot } = await openVmDetail(browser, w, vmId, "en")
    const devices = section(page)
    await devices.locator("[data-iso]").waitFor()
    assert.equal(await devices.locator("[data-iso]").innerText(), "No disc in the drive")
    // a running VM: attach-gpu is refused by the VM's own rule, with the reason on hover
    const gpuButton = devices.locator("[data-act=attach-gpu]")
    assert.equal(await gpuButton.isDisabled(), true)
    assert.equal(await gpuButton.getAttribute("data-rule"), "stopped-only")
    assert.notEqual(await gpuButton.getAttribute("title"), "")

    // X3: the picker lists the library's ISOs
    await devices.locator("[data-act=attach-iso]").click()
    await dialog(page).locator("option", { hasText: "tools" }).waitFor({ state: "attached" })
    await dialog(page).locator("select").selectOption(iso.id)
    await dialog(page).locator("[data-confirm]").click()
    await devices.locator("[data-notice=success]", { hasText: "tools is in the drive" }).waitFor()
    await eventually("the disc shown", async () => (await devices.locator("[data-iso]").innerText()) === "tools")
    assert.equal((await vmRecord(vmId)).isoImageId, iso.id)

    // X4: the picker lists the host's free USB devices; the device joins the VM's row list
    await devices.locator("[data-act=attach-usb]").click()
    const options = await dialog(page).locator("option").allInnerTexts()
    assert.deepEqual(options, ["SanDisk Ultra · 1-2", "Yubico YubiKey · 2-1.4"])
    const key = (await hostDevices()).find((d) => d.address === "1-2")
    assert.ok(key)
    await dialog(page).locator("select").selectOption(key.id)
    await dialog(page).locator("[data-confirm]").click()
    await devices.locator("[data-device='1-2']").waitFor()
    assert.equal((await hostDevices()).find((d) => d.address === "1-2")?.vmId, vmId)
    assert.deepEqual(await unnamedControls(page, "hx-vm-detail"), [])
    await shoot("vm-detail-devices")

    // B6: stopping a VM that holds devices asks whether to detach them
    await page.locator("hx-vm-detail [data-action=stop]").click()
    assert.match(await dialog(page).locator("[data-holds]").innerText(), /SanDisk Ultra, ISO/)
    await dialog(page).locator("[data-detach-devices]").check()
    await dialog(page).locator("[data-confirm]").click()
    await eventually("stopped with nothing attached", async () => {
      const vm = await vmRecord(vmId)
      return vm.state === "stopped" && vm.isoImageId === null
    })
    assert.equal((await hostDevices()).find((d) => d.address === "1-2")?.vmId, null)
    await devices.locator("[data-device='1-2']").waitFor({ state: "detached" })
    await eventually(
      "the drive empty",
      async () => (await devices.locator("[data-iso]").innerText()) === "No disc in the drive",
    )

    // X1: stopped now, so the button is allowed; the picker offers the one passable GPU; the flavor refuses it
    await eventually("attach-gpu allowed", async () => !(await devices.locator("[data-act=attach-gpu]").isDisabled()))
    await devices.locator("[data-act=attach-gpu]").click()
    assert.deepEqual(await dialog(page).locator("option").allInnerTexts(), ["NVIDIA device 1eb8 × 1 (1 free)"])
    await dialog(page).locator("[data-confirm]").click()
    const refusal = devices.locator("[data-notice=error]")
    await refusal.waitFor()
    assert.equal(await refusal.getAttribute("data-rule"), "gpu-not-allowed-by-flavor")
    assert.equal((await hostDevices()).find((d) => d.address === "0000:01:00.0")?.vmId, null, "nothing claimed")
    assert.deepEqual(errors, [])
  })

  it("X1 X4 (中文) <hx-host-devices>: IOMMU group, driver, who holds what; a plain admin cannot read the host again", async () => {
    await hostDevices()
    const [vmId = ""] = await w.createVms(["devices_zh"])
    const { page, errors, shoot } = await browser.open()
    await page.goto(
      w.page(`<hx-host-devices lang="zh" token="${w.agent.tokens.superadmin}"></hx-host-devices>`, { lang: "zh" }),
    )
    const element = page.locator("hx-host-devices")
    const row = (address: string) => element.locator(`tr[data-address="${address}"]`)
    await row("0000:01:00.0").waitFor()
    assert.equal(await row("0000:01:00.0").locator("[data-iommu]").innerText(), "12")
    assert.equal(await row("0000:01:00.0").locator("[data-driver]").innerText(), "nvidia")
    assert.equal(await row("0000:00:02.0").locator("[data-held]").innerText(), "无IOMMU组：不能直通")
    assert.equal(await row("2-1.4").locator("[data-held]").innerText(), "可用")

    // a USB device taken by a VM shows its holder once the task ends
    const key = (await hostDevices()).find((d) => d.address === "2-1.4")
    assert.ok(key)
    const attached = await w.agent.call("POST", `/api/v1/vms/${vmId}/usb`, { body: { deviceId: key.id } })
    assert.equal(attached.status, 202, JSON.stringify(attached.body))
    await w.agent.settle(attached.body.task.id)
    await eventually(
      "the holder shown",
      async () => (await row("2-1.4").locator("[data-held]").innerText()) === "devices_zh",
    )
    await element.locator("[data-read-again]").click()
    await eventually("read again", async () => (await element.locator("[data-read-again]").isDisabled()) === false)
    assert.equal(await element.locator("[role=alert]").count(), 0)
    assert.deepEqual(await unnamedControls(page, "hx-host-devices"), [])
    await shoot("host-devices")
    assert.deepEqual(errors, [])

    // the detail in Chinese: the section, the held device, a refused button's reason in the caller's language
    const detail = await openVmDetail(browser, w, vmId, "zh-CN")
    const zh = section(detail.page)
    await zh.locator("[data-device='2-1.4']").waitFor()
    assert.equal(await zh.locator("h3").innerText(), "绑定设备")
    assert.equal(await zh.locator("[data-act=detach-usb]").innerText(), "卸载")
    assert.equal(await zh.locator("[data-act=attach-gpu]").getAttribute("data-rule"), "stopped-only")
    assert.match((await zh.locator("[data-act=attach-gpu]").getAttribute("title")) ?? "", /[\u4e00-\u9fff]/)
    await detail.page.locator("hx-vm-detail [data-action=stop]").click()
    assert.match(await dialog(detail.page).locator("label.check").innerText(), /关机后同时卸载USB、GPU和ISO/)
    await dialog(detail.page).getByRole("button", { name: "取消" }).click()
    assert.equal((await vmRecord(vmId)).state, "running", "cancelled: nothing stopped")

    const admin = await browser.open()
    await admin.page.goto(w.page(`<hx-host-devices lang="zh" token="${w.agent.tokens.admin}"></hx-host-devices>`))
    const adminElement = admin.page.locator("hx-host-devices")
    await adminElement.locator("[data-read-again]").click()
    const direct = await w.agent.call("POST", `/api/v1/hosts/${w.agent.world.host.id}/devices/refresh`, {
      as: "admin",
      lang: "zh",
    })
    assert.equal(direct.status, 403)
    await adminElement.locator("[role=alert]").waitFor()
    assert.equal(await adminElement.locator("[role=alert]").innerText(), direct.body.error.message)
    // A reload ending after the refusal (the first load, or one after a task) keeps it on screen.
    await Promise.all([
      admin.page.waitForResponse((response) => new URL(response.url()).pathname === "/api/v1/hosts"),
      adminElement.locator("[data-reload]").click(),
    ])
    await adminElement.locator("[data-reload]:not([disabled])").waitFor()
    assert.equal(await adminElement.locator("[role=alert]").innerText(), direct.body.error.message, "kept by a reload")
  })
})
