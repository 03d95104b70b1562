// #21 `npm start -- --driver libvirt` boots the README's VM through libvirtd: the agent (the checkout's `hyperx`) on
// a fresh data folder with the libvirt driver prints libvirt's support matrix, builds the tiny guest, and the README's
// request makes a VM that libvirt runs (virsh sees the domain running), whose serial console shows the guest, and
// that stops and is deleted into the recycle bin through the API. Needs libvirtd (bash scripts/libvirt-up.sh).
import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { LIBVIRT_URI, libvirtUnavailable } from "../../plugins/libvirt/testing/setup.ts"
import { GUEST_BOOT_LINE, GUEST_HEARTBEAT } from "../../plugins/qemu/guest/recipe.ts"
import { hyperx, type Run, tokenPattern, up } from "../cli/testing.ts"
import { jsonApi } from "../testing/json-api.ts"
import { connect } from "../ws/testing.ts"

// biome-ignore lint/suspicious/noExplicitAny: the test reads JSON replies as any API client would
type Json = any

const virsh = (...args: ReadonlyArray<string>) =>
  execFileSync("virsh", ["-c", LIBVIRT_URI, ...args], {
    encoding: "utf8",
    timeout: 30_000,
    stdio: ["ignore", "pipe", "pipe"],
  })

describe("#21 the agent with --driver libvirt boots the README's VM", { skip: libvirtUnavailable() }, () => {
  const work = mkdtempSync(join(tmpdir(), "hx-libvirt-agent-"))
  chmodSync(work, 0o755) // QEMU runs as libvirt's user and passes through to the data folder's disks
  const bin = fileURLToPath(new URL("../cli/hyperx.js", import.meta.url))
  const name = `lv_${randomBytes(3).toString("hex")}`
  let agent: Run | undefined

  after(async () => {
    agent?.child.kill("SIGINT")
    await agent?.exited
    // Whatever domain of this run libvirt still has (its disks are in this data folder): off and forgotten.
    for (const domain of virsh("list", "--all", "--name")
      .split("\n")
      .filter((line) => line.trim() !== "")) {
      const ours = (() => {
        try {
          return virsh("dumpxml", domain).includes(work)
        } catch {
          return false // gone meanwhile
        }
      })()
      if (!ours) continue
      for (const args of [
        ["destroy", domain],
        ["undefine", domain, "--nvram"],
      ]) {
        try {
          virsh(...args)
        } catch {
          // already off or gone
        }
      }
    }
    rmSync(work, { recursive: true, force: true })
  })

  it("prints libvirt's support matrix; the VM runs under libvirt, shows its serial console, stops and goes", async () => {
    agent = hyperx(["agent", "--data", join(work, "data"), "--port", "0", "--driver", "libvirt"], { bin })
    const running = agent
    const origin = await up(running)
    assert.match(running.stdout, /hypervisor {3}libvirt on qemu:\/\/\/system/)
    assert.match(running.stdout, /driver {7}libvirt \S+/)
    assert.match(running.stdout, /supports {3}lifecycle, gracefulShutdown, events, reattach/)
    const token = running.stdout.match(tokenPattern)?.[0]
    const api = jsonApi(
      () => `${origin}/api/v1`,
      () => token,
    )
    const until = async (what: string, predicate: () => Promise<boolean>, timeoutMs = 300_000) => {
      const deadline = Date.now() + timeoutMs
      while (!(await predicate())) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}\n${running.stdout}\n${running.stderr}`)
        await new Promise((r) => setTimeout(r, 500))
      }
    }
    const vm = async (id: string) => (await api("GET", `/vms/${id}`)).body

    // The README's request.
    const created = await api("POST", "/vms", { imageId: "tiny-linux", flavorId: "tiny", name })
    assert.equal(created.status, 202, JSON.stringify(created.body))
    const id: string = created.body.vmIds[0]
    await until("the VM running", async () => (await vm(id))?.runtime?.state === "running")
    const hostname: string = (await vm(id)).vm.hostname
    assert.match(virsh("domstate", hostname), /running/)

    const ticket = await api("POST", `/vms/${id}/console`, { kind: "serial" })
    assert.equal(ticket.status, 201, JSON.stringify(ticket.body))
    const serial = await connect(ticket.body.url)
    const text = () => serial.bytes.toString("utf8")
    await serial.until(
      "the guest on its serial console",
      () => text().includes(GUEST_BOOT_LINE) || GUEST_HEARTBEAT.test(text()),
      240_000,
    )
    serial.close()

    const stop = await api("POST", `/vms/${id}/stop`, {})
    assert.equal(stop.status, 202, JSON.stringify(stop.body))
    await until("the VM stopped", async () => (await vm(id))?.runtime?.state === "stopped")
    assert.match(virsh("domstate", hostname), /shut off/)
    // Deleted into the recycle bin (B4), where it can still be restored: libvirt keeps the stopped domain until then.
    const deleted = await api("DELETE", `/vms/${id}`)
    assert.equal(deleted.status, 202, JSON.stringify(deleted.body))
    await until("the VM in the recycle bin", async () =>
      ((await api("GET", `/recycle-bin?search=${name}`)).body?.items ?? []).some((item: Json) => item.id === id),
    )

    running.child.kill("SIGINT")
    assert.equal(await running.exited, 0, running.stderr)
    agent = undefined
  })
})
