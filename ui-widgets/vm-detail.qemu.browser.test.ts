// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads rendered text; it is not the DOM property
/**
 * M1 (#20) end to end, with nothing inserted by the test: the agent as `npm start` runs it, on real QEMU with host
 * networking in a namespace this test makes, its collector sampling every 2 s. A tiny guest burns CPU (a busy loop
 * started through its guest agent) and answers pings from the host side of its network; the series the API serves
 * show both (CPU far above idle; bytes received and sent on its tap NIC), and the monitoring tab of <hx-vm-detail>
 * draws them, in English and in Chinese. Its console opens the guest's screen, and switched to the serial port it
 * shows the guest's shell in xterm.js: a command typed there runs in the guest and its output appears (B5, #21); so
 * does one typed on the screen, whose effect the serial port reads, and no heartbeat shows between the lines (F8).
 */
import assert from "node:assert/strict"
import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { jsonApi } from "../agent/testing/json-api.ts"
import { useQemuAgent } from "../agent/testing/qemu-agent.ts"
import { Store } from "../core/store/ports.ts"
import { addNetns, deleteNetns, netnsSkipUnlessCi, uniqueName } from "../plugins/linux-net/testing.ts"
import { defaultRunRoot } from "../plugins/qemu/driver/options.ts"
import { qemuInstalled } from "../plugins/qemu/driver/testing.ts"
import { connectAgent, guestShell } from "../plugins/qemu/guest/testing.ts"
import { buildWidgets } from "./build.ts"
import { browserSkip, useBrowser } from "./testing/browser.ts"
import { eventually } from "./testing/page.ts"

const skip = browserSkip || (qemuInstalled() ? netnsSkipUnlessCi() : "QEMU is not installed")

type Column = ReadonlyArray<number | null>
const numbers = (column: Column) => column.filter((value): value is number => value !== null)
const highest = (column: Column) => Math.max(0, ...numbers(column))

describe("<hx-vm-detail> and <hx-vm-console> on a real guest on QEMU, in Chromium (M1 #20, B5 #21)", {
  skip,
  timeout: 900_000,
}, () => {
  const netns = uniqueName("hxmon")
  const browser = useBrowser()
  const { live, log, data } = useQemuAgent(
    "hx-monitoring-",
    async () => {
      await buildWidgets()
      addNetns(netns)
    },
    {
      env: {
        HYPERX_NETWORK: "linux",
        HYPERX_NETNS: netns,
        HYPERX_NET_PREFIX: "hxm",
        HYPERX_METRICS_INTERVAL_SECONDS: "2",
      },
    },
  )
  const http = jsonApi(
    () => live().origin,
    () => live().token,
  )
  let pinger: ChildProcess | undefined
  after(() => {
    pinger?.kill("SIGKILL")
    deleteNetns(netns)
  })

  it("M1 CPU of a busy loop and the tap NIC's traffic reach the series and the charts, en + zh", async () => {
    const users = await live().runtime.runPromise(Store.use((s) => s.users.list()))
    const superadmin = users.find((user) => user.role === "superadmin") ?? assert.fail("no superadmin")
    const network = await http("POST", "/api/v1/networks", {
      name: "mon-net",
      kind: "isolated",
      departmentId: superadmin.departmentId,
      subnet: { cidr: "10.94.0.0/24" },
    })
    assert.equal(network.status, 201, JSON.stringify(network.body))
    const created = await http("POST", "/api/v1/vms", {
      imageId: "tiny-linux",
      flavorId: "tiny",
      name: "monitored_vm",
      networks: [{ networkId: network.body.id }],
    })
    assert.equal(created.status, 202, JSON.stringify(created.body))
    const vmId: string = created.body.vmIds[0]
    const detail = await eventually(
      "the VM to run",
      async () => {
        const reply = await http("GET", `/api/v1/vms/${vmId}`)
        return reply.body?.runtime?.state === "running" ? reply.body : undefined
      },
      300_000,
    ).catch((error) => assert.fail(`${error}\n${log.join("\n")}`))
    const [nic] = (await http("GET", `/api/v1/vms/${vmId}/nics`)).body.items
    const series = async () => (await http("GET", `/api/v1/vms/${vmId}/metrics`)).body

    // The guest agent answers once the guest booted; the idle figure is read before the loop starts.
    const qga = await connectAgent(join(defaultRunRoot(join(data, "qemu")), detail.vm.hostname, "qga.sock"), 180_000)
    assert.equal((await guestShell(qga, `ip -4 addr show eth0 | grep -q ${nic.primaryIp}`)).code, 0, "DHCP done")
    // The idle figure is read once the guest has settled after its boot: on a busy host the boot's tail runs long
    // (CI16 read 62.7 % 6 s after DHCP, then 2.5 % the next sample, so no busy loop could show 4× of it).
    const idleCpu = await eventually(
      "an idle sample after the boot",
      async () => {
        const last = numbers((await series()).cpuPercent as Column).at(-1)
        return last !== undefined && last < 20 ? last : undefined
      },
      120_000,
    ).catch(async (error) => assert.fail(`${error}: ${JSON.stringify((await series()).cpuPercent)}`))
    const started = await guestShell(qga, "(while :; do :; done) > /dev/null 2>&1 < /dev/null &")
    assert.equal(started.code, 0)
    // The platform's driver talks to the guest agent too (file-system use): one client at a time.
    qga.close()
    pinger = spawn("ip", ["netns", "exec", netns, "busybox", "ping", "-s", "1400", nic.primaryIp], { stdio: "ignore" })

    await eventually(
      "a busy, pinged sample",
      async () => {
        const s = await series()
        const recent = (column: Column) => highest(column.slice(-3))
        // An echo reply for every request: the guest's NIC sends about what it receives.
        const pinged = recent(s.netRxBps) > 500 && recent(s.netTxBps) > 500
        return recent(s.cpuPercent) >= 10 && recent(s.cpuPercent) >= 4 * idleCpu && pinged ? s : undefined
      },
      120_000,
    ).catch(async (error) => assert.fail(`${error}: idle ${idleCpu}%, ${JSON.stringify(await series())}`))

    for (const lang of ["en", "zh-CN"] as const) {
      const { page, context, errors, shoot } = await browser.open({ locale: lang })
      // As a user of the demo portal the agent serves: find the VM in the list, open it, open its monitoring tab.
      await page.goto(`${live().origin}/demo?token=${live().token}&lang=${lang}`)
      const list = page.locator("hx-vm-list")
      await list.locator("input[type=search]").fill("monitored_vm")
      const row = list.locator(`tr[data-vm-id="${vmId}"]`)
      await row.locator(".state[data-state=running]").waitFor()
      await list.locator("input[type=search]").press("Tab")
      await row.locator("[data-open]").click()
      const element = page.locator("hx-vm-detail")
      await element
        .locator("#tab-monitoring")
        .click()
        .catch((error) => assert.fail(`${error}\n${errors.join("\n")}`))
      const panel = element.locator("[role=tabpanel]")
      await panel.locator("[data-metric=cpu] canvas").waitFor()
      assert.equal(await panel.locator(".chart canvas").count(), 4, "four uPlot charts drew")
      const cpuCaption = await panel.locator("[data-latest=cpu]").innerText()
      const cpu = Number(cpuCaption.replace(/[^\d.]/g, ""))
      assert.ok(cpu >= 10, `the CPU chart's latest figure shows the loop: ${cpuCaption}`)
      const network = await panel.locator("[data-latest=network]").innerText()
      assert.match(network, /[1-9]/, `the network chart's latest figures show the pings: ${network}`)
      await shoot(`vm-monitoring-qemu-${lang}`)

      // B5: the console opens on the screen (QEMU offers both); the user switches to the serial port and types.
      await element.locator("[data-action=console]:not([disabled])").click()
      const consoleElement = page.locator("hx-vm-console")
      const status = consoleElement.locator("[part=status]")
      await eventually("the screen", async () => (await status.getAttribute("data-status")) === "connected", 60_000)
      assert.equal(await consoleElement.locator("[data-kind=vnc]").getAttribute("aria-pressed"), "true")
      // F8: the screen has a shell too. What is typed there (the widget's keystrokes through noVNC) runs in the guest;
      // the serial port reads its effect below.
      const typedOnScreen = await consoleElement.evaluate(
        (node, text) => (node as unknown as { typeText(text: string): number }).typeText(text),
        `echo screen-$((6*7))-${lang} > /run/screen-${lang}\n`,
      )
      assert.ok(typedOnScreen > 0, "the screen took the keystrokes")
      await consoleElement.locator("[data-kind=serial]").click()
      const serialPressed = async () =>
        (await consoleElement.locator("[data-kind=serial]").getAttribute("aria-pressed")) === "true"
      await eventually(
        "the serial port",
        async () => (await serialPressed()) && (await status.getAttribute("data-status")) === "connected",
        60_000,
      ).catch(async (error) => assert.fail(`${error}: ${await status.innerText()} ${errors.join("\n")}`))
      const serialText = () =>
        consoleElement.evaluate((node) => (node as unknown as { serialText(): string | undefined }).serialText() ?? "")
      await consoleElement.locator(".xterm").click()
      await page.keyboard.press("Enter")
      await page.keyboard.type(`echo hx-$((6*7))-${lang}`)
      await page.keyboard.press("Enter")
      await eventually(
        "the guest's answer in the terminal",
        async () => (await serialText()).includes(`hx-42-${lang}`),
        60_000,
      ).catch(async (error) => assert.fail(`${error}:\n${await serialText()}`))
      // The shell's prompt is the guest's hostname, which the platform gives it: the VM's own
      assert.ok(
        (await serialText()).includes(`${detail.vm.hostname}# echo hx-`),
        "the guest's shell echoed the command after its prompt",
      )
      // The file the screen's shell wrote (waited for: the keystrokes may still be on their way)
      await page.keyboard.type(`until [ -e /run/screen-${lang} ]; do sleep 0.2; done; cat /run/screen-${lang}`)
      await page.keyboard.press("Enter")
      await eventually(
        "the screen's command's effect, read on the serial port",
        async () => (await serialText()).includes(`\nscreen-42-${lang}`),
        60_000,
      ).catch(async (error) => assert.fail(`${error}:\n${await serialText()}`))
      // The guest's heartbeat (every second on this port) is a terminal title: none of it shows between the lines
      assert.doesNotMatch(await serialText(), /heartbeat/)
      await shoot(`vm-console-serial-qemu-${lang}`)
      assert.deepEqual(errors, [])
      // QEMU's serial port serves one client at a time: the next language's console needs this one gone.
      await context.close()
    }
  })
})
