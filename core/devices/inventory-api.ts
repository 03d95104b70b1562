import { Effect } from "effect"
import { HostConfig } from "../config.ts"
import type { Actor } from "../rules/context.ts"
import { inventoryRules } from "../rules/hosts.ts"
import { checkRules } from "../rules/rule.ts"
import { Store } from "../store/ports.ts"
import { refreshHostDevices } from "./refresh.ts"

/** X1–X4: a host's passthrough devices as recorded, GPUs first; every signed-in caller picks from them. */
export const listHostDevices = Effect.fn("devices.list")(function* (hostId: string) {
  const store = yield* Store
  yield* store.hosts.get(hostId)
  const devices = yield* store.hostDevices.list({ hostId })
  return [...devices].sort((a, b) => a.kind.localeCompare(b.kind) || a.address.localeCompare(b.address))
})

/** X1–X4: a superadmin has this agent read its host's devices again (after plugging a USB key in, say). */
export const refreshDevicesOf = Effect.fn("devices.refreshAs")(function* (actor: Actor, hostId: string) {
  const store = yield* Store
  const config = yield* HostConfig
  const host = yield* store.hosts.get(hostId)
  yield* checkRules("host.devices", inventoryRules, { actor, host, localHostId: config.hostId })
  yield* refreshHostDevices(hostId)
  return yield* listHostDevices(hostId)
})
