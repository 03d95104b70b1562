import { Effect, Schema } from "effect"
import { Hono } from "hono"
import { hostUsage } from "../../core/cluster/host-usage.ts"
import { hostNow, setMaintenance } from "../../core/cluster/membership.ts"
import { ClusterSettings } from "../../core/cluster/settings.ts"
import { Host, isFreeForPassthrough, listHostDevices, refreshDevicesOf, Store } from "../../core/index.ts"
import type { Actor } from "../../core/rules/context.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam } from "../validation/schemas.ts"
import { pathParams } from "../validation/validators.ts"
import { HostDeviceSchema } from "../vms/detail.ts"

const HostUsage = Schema.Struct({
  vmCount: Schema.Int,
  /** CPUs and memory the host may hand out: its own times the overcommit ratios. */
  cpusTotal: Schema.Int,
  memoryMiBTotal: Schema.Int,
  /** What its VMs hold (running ones always, stopped ones under the "hold" policy, the default). */
  cpusUsed: Schema.Int,
  memoryMiBUsed: Schema.Int,
  /** Total less used; negative when an overcommit ratio was lowered below what is placed. */
  cpusFree: Schema.Int,
  memoryMiBFree: Schema.Int,
  gpusFree: Schema.Int,
  usbFree: Schema.Int,
})
/**
 * A host (D2, L4's host filter) with what its VMs use and what is free. `state` is read now: up, suspect or down
 * from its heartbeat's age, or maintenance. The agent's address only for superadmins.
 */
const HostView = Host.mapFields(({ address, ...fields }) => ({
  ...fields,
  address: Schema.optionalKey(address),
  usage: HostUsage,
})).annotate({ identifier: "Host" })

const hostView = Effect.fn("agent.hostView")(function* (actor: Actor, stored: Host) {
  const store = yield* Store
  const { stoppedVms } = yield* ClusterSettings
  const host = yield* hostNow(stored)
  const vms = yield* store.vms.list({ hostId: host.id })
  const devices = (yield* store.hostDevices.list({ hostId: host.id })).filter(isFreeForPassthrough)
  const { address, ...rest } = host
  return {
    ...rest,
    ...(actor.role === "superadmin" ? { address } : {}),
    usage: hostUsage(host, vms, devices, stoppedVms),
  }
})

const DeviceList = Schema.Struct({ items: Schema.Array(HostDeviceSchema) })

const maintenance = (on: boolean) =>
  doc({
    tag: "Hosts",
    summary: on
      ? "Drain a host: maintenance, no new placements; its VMs keep running (superadmin)"
      : "Bring a host back from maintenance (superadmin)",
    ok: { 200: json("The host as it reads now", HostView) },
    errors: [400, 403, 404, 409],
  })

/** /api/v1/hosts: the platform's hosts, for every signed-in caller (names show in lists and filters). */
export const hostRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/",
      doc({
        tag: "Hosts",
        summary: "List hosts with their state, usage and free capacity",
        ok: { 200: json("Hosts", Schema.Struct({ items: Schema.Array(HostView) })) },
      }),
      async (c) => {
        const actor = c.var.actor
        const items = await runEffect(
          c,
          Store.use((s) => s.hosts.list()).pipe(
            Effect.flatMap((hosts) => Effect.forEach(hosts, (h) => hostView(actor, h))),
          ),
        )
        return c.json({ items })
      },
    )
    .get(
      "/:id",
      doc({
        tag: "Hosts",
        summary: "One host with its state, usage and free capacity",
        ok: { 200: json("The host", HostView) },
        errors: [400, 404],
      }),
      pathParams(IdParam),
      async (c) => {
        const actor = c.var.actor
        const id = c.req.valid("param").id
        return c.json(
          await runEffect(c, Store.use((s) => s.hosts.get(id)).pipe(Effect.flatMap((h) => hostView(actor, h)))),
        )
      },
    )
    .put("/:id/maintenance", maintenance(true), pathParams(IdParam), async (c) => {
      const actor = c.var.actor
      const id = c.req.valid("param").id
      return c.json(await runEffect(c, setMaintenance(actor, id, true).pipe(Effect.flatMap((h) => hostView(actor, h)))))
    })
    .delete("/:id/maintenance", maintenance(false), pathParams(IdParam), async (c) => {
      const actor = c.var.actor
      const id = c.req.valid("param").id
      return c.json(
        await runEffect(c, setMaintenance(actor, id, false).pipe(Effect.flatMap((h) => hostView(actor, h)))),
      )
    })
    .get(
      "/:id/devices",
      doc({
        tag: "Hosts",
        summary:
          "The host's passthrough devices (X1, X4): GPUs with IOMMU group and bound driver, USB devices by bus-port; " +
          "`vmId` names the VM holding one, `present: false` one that vanished while held",
        ok: { 200: json("Devices, GPUs first", DeviceList) },
        errors: [400, 404],
      }),
      pathParams(IdParam),
      async (c) => c.json({ items: await runEffect(c, listHostDevices(c.req.valid("param").id)) }),
    )
    .post(
      "/:id/devices/refresh",
      doc({
        tag: "Hosts",
        summary:
          "Read the host's devices again from sysfs (superadmin; on the host's own agent, rule inventory-on-own-host)",
        ok: { 200: json("Devices as recorded now", DeviceList) },
        errors: [400, 403, 404, 409],
      }),
      pathParams(IdParam),
      async (c) => c.json({ items: await runEffect(c, refreshDevicesOf(c.var.actor, c.req.valid("param").id)) }),
    )
