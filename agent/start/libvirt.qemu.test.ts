// #21 `npm start -- --driver libvirt` boots the README's VM through libvirtd: the agent (the checkout's `hyperx`) on
// a fresh data folder with the libvirt driver prints libvirt's support matrix, builds the tiny guest, and the README's
// request makes a VM that libvirt runs (virsh sees the domain running), whose serial console shows the guest, and
// that stops and is deleted into the recycle bin through the API. Needs libvirtd (bash scripts/libvirt-up.sh).
import assert from "node:assert/strict"
import { randomBytes } from "node:crypto"
import { describe, it } from "node:test"
import { libvirtUnavailable } from "../../plugins/libvirt/testing/setup.ts"
import { virsh } from "../../plugins/libvirt/testing/virsh-cli.ts"
import { GUEST_BOOT_LINE, GUEST_HEARTBEAT } from "../../plugins/qemu/guest/recipe.ts"
import { useLibvirtAgent } from "../testing/libvirt-agent.ts"
import { connect } from "../ws/testing.ts"

// biome-ignore lint/suspicious/noExplicitAny: the test reads JSON replies as any API client would
type Json = any

describe("#21 the agent with --driver libvirt boots the README's VM", { skip: libvirtUnavailable() }, () => {
  const name = `lv_${randomBytes(3).toString("hex")}`
  const folder = useLibvirtAgent("hx-libvirt-agent-")

  it("prints libvirt's support matrix; the VM runs under libvirt, shows its serial console, stops and goes", async () => {
    const { run: running, api, until, stop: stopAgent } = await folder.start()
    assert.match(running.stdout, /hypervisor {3}libvirt on qemu:\/\/\/system/)
    assert.match(running.stdout, /driver {7}libvirt \S+/)
    assert.match(running.stdout, /supports {3}lifecycle, gracefulShutdown, events, reattach/)
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

    assert.equal(await stopAgent(), 0, running.stderr)
  })
})
