/**
 * The agent as `npm start` runs it, with real QEMU guests, over real HTTP and WebSockets: create a VM, follow its
 * events to running, read the guest's boot line over the serial WebSocket, open the VNC console with a ticket,
 * reuse of the ticket refused, its network rates in the metrics (default network, user-mode), stop, delete into the recycle bin, restore; a user of another department gets 404
 * and never sees the VM in the event stream.
 */
import assert from "node:assert/strict"
import { before, describe, it } from "node:test"
import { qemuInstalled } from "../../plugins/qemu/driver/testing.ts"
import { GUEST_BOOT_LINE, GUEST_HEARTBEAT } from "../../plugins/qemu/guest/recipe.ts"
import { handleAdminRequest } from "../cli/admin-protocol.ts"
import { until } from "../cluster/testing.ts"
import { useQemuAgent } from "../testing/qemu-agent.ts"
import { type Client, connect, eventsOf } from "../ws/testing.ts"

// biome-ignore lint/suspicious/noExplicitAny: the test reads JSON replies as any API client would
type Json = any

describe("hyperx agent with QEMU, end to end", { skip: qemuInstalled() ? false : "QEMU is not installed" }, () => {
  // M1: a sample every 2 s (30 s by default), so that the VM's network rates show within the test.
  const { live, log } = useQemuAgent("hx-e2e-", undefined, { env: { HYPERX_METRICS_INTERVAL_SECONDS: "2" } })
  let superToken = ""
  let salesToken = ""
  before(async () => {
    superToken = live().token ?? ""
    const admin = async (request: Record<string, unknown>): Promise<Json> => {
      const reply = await live().runtime.runPromise(handleAdminRequest(request))
      if (!reply.ok) throw new Error(reply.message)
      return reply.result
    }
    await admin({ verb: "department.create", name: "sales" })
    salesToken = (await admin({ verb: "token.create", role: "user", department: "sales" })).secret
  })

  const http = async (
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${live().origin}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) }
  }
  const follow = (token: string) =>
    connect(`${live().origin.replace("http", "ws")}/api/v1/events`, {
      protocols: ["hyperx.v1", `hyperx.bearer.${token}`],
    })
  const reached = (client: Client, vmId: string, state: string) =>
    client.until(
      `${vmId} ${state}`,
      () => eventsOf(client).some((e) => e._tag === "vm-state" && e.vmId === vmId && e.to === state),
      180_000,
    )
  const ticket = async (vmId: string, kind: "vnc" | "serial") => {
    const reply = await http("POST", `/api/v1/vms/${vmId}/console`, superToken, { kind })
    assert.equal(reply.status, 201, JSON.stringify(reply.body))
    return reply.body.url as string
  }

  it("H2 H4 B2 B5 B1 B4 G3 G1 G4 create, boot, serial boot line, VNC, stop, delete, restore; another department sees nothing", async () => {
    assert.match(superToken, /^hx_/, log.join("\n"))
    const events = await follow(superToken)
    const outsider = await follow(salesToken)

    const created = await http("POST", "/api/v1/vms", superToken, {
      imageId: "tiny-linux",
      flavorId: "tiny",
      name: "e2e_vm",
      networks: "auto",
    })
    assert.equal(created.status, 202, JSON.stringify(created.body))
    const vmId: string = created.body.vmIds[0]
    await reached(events, vmId, "running")
    const tasks = eventsOf(events).filter((e) => e._tag === "task" && e.task.vmId === vmId)
    assert.equal(tasks[0]?.task.operation, "vm.create")

    // The serial console as soon as the VM runs: the guest is still booting, so its boot line comes through. If this
    // host was fast enough to boot before the socket opened, a reset (the same QEMU process) prints it again.
    const serial = await connect(await ticket(vmId, "serial"))
    const text = () => serial.bytes.toString("utf8")
    await serial.until(
      "the guest's first words",
      () => text().includes(GUEST_BOOT_LINE) || GUEST_HEARTBEAT.test(text()),
      180_000,
    )
    if (!text().includes(GUEST_BOOT_LINE)) {
      const reset = await http("POST", `/api/v1/vms/${vmId}/reboot`, superToken, { force: true })
      assert.equal(reset.status, 202)
    }
    await serial.until("the boot line", () => text().includes(GUEST_BOOT_LINE), 180_000)
    // A second window on the same serial port while the first is open: QEMU's port takes one client at a time, the
    // agent shares its one connection, so the second window is shown the boot line too and the guest's next words.
    const second = await connect(await ticket(vmId, "serial"))
    await second.until(
      "the boot line in the second window",
      () => second.bytes.toString("utf8").includes(GUEST_BOOT_LINE),
      30_000,
    )
    const before = second.bytes.length
    await second.until("the guest's next words in the second window", () => second.bytes.length > before, 30_000)
    second.close()
    serial.close()

    const vncUrl = await ticket(vmId, "vnc")
    const vnc = await connect(vncUrl)
    await vnc.until("the RFB greeting", () => vnc.bytes.length >= 12, 30_000)
    assert.equal(vnc.bytes.subarray(0, 12).toString("latin1"), "RFB 003.008\n")
    vnc.socket.send(Buffer.from("RFB 003.008\n"))
    await vnc.until("the security types", () => vnc.bytes.length >= 13, 30_000)
    assert.ok((vnc.bytes[12] ?? 0) > 0, "QEMU offers at least one security type")
    await assert.rejects(connect(vncUrl), /HTTP 401/)
    vnc.close()

    assert.equal((await http("GET", `/api/v1/vms/${vmId}`, salesToken)).status, 404)
    assert.equal((await http("POST", `/api/v1/vms/${vmId}/console`, salesToken, { kind: "vnc" })).status, 404)

    // M1: the VM's NIC is on the default network (user-mode: no tap to count on the host); its rates come from the
    // guest agent and show in the monitoring series, as the detail's monitoring tab draws them.
    const nic = (await http("GET", `/api/v1/vms/${vmId}/nics`, superToken)).body.items as Array<{ networkId: string }>
    assert.equal(nic.length, 1, "C6 auto: one NIC, on the default network (the only one)")
    const rates = async () => {
      const series = (await http("GET", `/api/v1/vms/${vmId}/metrics?tier=raw`, superToken)).body
      const known = (series.netRxBps as Array<number | null>).findIndex((rate) => rate !== null)
      return known < 0 ? undefined : { rx: series.netRxBps[known], tx: series.netTxBps[known] }
    }
    const known = await until("a known network rate in the VM's metrics", rates, 90_000)
    assert.ok(known.rx >= 0 && known.tx >= 0, JSON.stringify(known))

    // R1: monitoring is found, not declared. The VM was created without it; once the collector saw its guest agent
    // run, the VM takes alarms ("配置告警") and its file-system use is in the series.
    const monitored = async () => {
      const vm = (await http("GET", `/api/v1/vms/${vmId}`, superToken)).body.vm
      return vm.monitoringInstalled === true ? vm : undefined
    }
    const found = await until("monitoring found on the VM", monitored, 60_000)
    const alarm = await http("POST", `/api/v1/vms/${vmId}/alarms`, superToken, {
      metric: "disk",
      thresholdPercent: 90,
      durationMinutes: 5,
      recipientUserIds: [found.ownerId],
    })
    assert.equal(alarm.status, 201, JSON.stringify(alarm.body))
    const diskUse = async () => {
      const series = (await http("GET", `/api/v1/vms/${vmId}/metrics?tier=raw`, superToken)).body
      return (series.diskUsedPercent as Array<number | null>).find((used) => used !== null) ?? undefined
    }
    const used = await until("the guest's file-system use in the VM's metrics", diskUse, 60_000)
    assert.ok(used > 0 && used < 100, `${used}%`)

    const stop = await http("POST", `/api/v1/vms/${vmId}/stop`, superToken, {})
    assert.equal(stop.status, 202, JSON.stringify(stop.body))
    await reached(events, vmId, "stopped")
    const refused = await http("POST", `/api/v1/vms/${vmId}/console`, superToken, { kind: "vnc" })
    assert.deepEqual([refused.status, refused.body.error.rule], [409, "running-only"])

    const deleted = await http("DELETE", `/api/v1/vms/${vmId}`, superToken)
    assert.equal(deleted.status, 202, JSON.stringify(deleted.body))
    await events.until("the delete task", () =>
      eventsOf(events).some(
        (e) => e._tag === "task" && e.task.id === deleted.body.task.id && e.task.state !== "running",
      ),
    )
    const bin = await http("GET", "/api/v1/recycle-bin?search=e2e_vm", superToken)
    assert.deepEqual(
      bin.body.items.map((vm: Json) => vm.id),
      [vmId],
    )
    const restored = await http("POST", `/api/v1/recycle-bin/${vmId}/restore`, superToken)
    assert.equal(restored.status, 200, JSON.stringify(restored.body))
    const detail = await http("GET", `/api/v1/vms/${vmId}`, superToken)
    assert.equal(detail.body.runtime.state, "stopped")

    // The sales user's own operation comes after everything above: once its events arrived, any event about the
    // superadmin's VM would have arrived before them.
    const own = await http("POST", "/api/v1/vms", salesToken, {
      imageId: "tiny-linux",
      flavorId: "tiny",
      name: "sales_vm",
      start: false,
    })
    assert.equal(own.status, 202, JSON.stringify(own.body))
    await outsider.until("the sales user's own task", () =>
      eventsOf(outsider).some(
        (e) => e._tag === "task" && e.task.id === own.body.tasks[0].id && e.task.state !== "running",
      ),
    )
    assert.deepEqual(
      eventsOf(outsider).filter((e) => (e._tag === "task" ? e.task.vmId : e.vmId) === vmId),
      [],
    )
    events.close()
    outsider.close()
  })
})
