import { Effect, Schema } from "effect"
import { Hono } from "hono"
import { Host, Store } from "../../core/index.ts"
import type { Actor } from "../../core/rules/context.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { IdParam } from "../validation/schemas.ts"
import { pathParams } from "../validation/validators.ts"

const HostUsage = Schema.Struct({
  vmCount: Schema.Int,
  cpusUsed: Schema.Int,
  memoryMiBUsed: Schema.Int,
  gpusFree: Schema.Int,
  usbFree: Schema.Int,
})
/** A host (D2, L4's host filter) with what its VMs use; the agent's address only for superadmins. */
const HostView = Host.mapFields(({ address, ...fields }) => ({
  ...fields,
  address: Schema.optionalKey(address),
  usage: HostUsage,
})).annotate({ identifier: "Host" })

const hostView = Effect.fn("agent.hostView")(function* (actor: Actor, host: Host) {
  const store = yield* Store
  const vms = yield* store.vms.list({ hostId: host.id })
  const devices = yield* store.hostDevices.list({ hostId: host.id, vmId: null })
  const { address, ...rest } = host
  return {
    ...rest,
    ...(actor.role === "superadmin" ? { address } : {}),
    usage: {
      vmCount: vms.length,
      cpusUsed: vms.reduce((sum, vm) => sum + vm.cpus, 0),
      memoryMiBUsed: vms.reduce((sum, vm) => sum + vm.memoryMiB, 0),
      gpusFree: devices.filter((d) => d.kind === "gpu").length,
      usbFree: devices.filter((d) => d.kind === "usb").length,
    },
  }
})

/** /api/v1/hosts: the platform's hosts, for every signed-in caller (names show in lists and filters). */
export const hostRoutes = () =>
  new Hono<AgentEnv>()
    .get(
      "/",
      doc({
        tag: "Hosts",
        summary: "List hosts with their usage",
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
        summary: "One host with its usage",
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
