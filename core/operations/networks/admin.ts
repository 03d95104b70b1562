import { randomUUID } from "node:crypto"
import { Effect, Schema } from "effect"
import { canonicalAddress } from "../../ipam/address.ts"
import { defaultLayout, parseCidr } from "../../ipam/cidr.ts"
import { poolProblems } from "../../ipam/pool.ts"
import { Id } from "../../model/common.ts"
import { type Network, NetworkKind, type Subnet } from "../../model/network.ts"
import type { Actor } from "../../rules/context.ts"
import { networkAdminRules } from "../../rules/network-admin.ts"
import { checkRules } from "../../rules/rule.ts"
import { Store } from "../../store/ports.ts"
import { now } from "../clock.ts"
import { visibleTo } from "./choices.ts"
import { syncHostNetworking } from "./host-networking.ts"

/** An admin's new network with its one subnet; the layout defaults to the whole CIDR after the gateway. */
export const NetworkCreateRequest = Schema.Struct({
  name: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(64)),
  kind: NetworkKind,
  /** Isolated networks and VPC subnets: the department that owns them; shared: absent or null. */
  departmentId: Schema.optionalKey(Schema.NullOr(Id)),
  /** bridge (default): a Linux bridge with taps on every host; user: QEMU's user-mode NAT, no host changes. */
  backing: Schema.optionalKey(Schema.Literals(["bridge", "user"])),
  subnet: Schema.Struct({
    cidr: Schema.String,
    gateway: Schema.optionalKey(Schema.String),
    rangeStart: Schema.optionalKey(Schema.String),
    rangeEnd: Schema.optionalKey(Schema.String),
    reserved: Schema.optionalKey(Schema.Array(Schema.String)),
    /** DHCP with static reservations from IPAM (default true). */
    dhcp: Schema.optionalKey(Schema.Boolean),
    dns: Schema.optionalKey(Schema.Array(Schema.String)),
  }),
}).annotate({ identifier: "NetworkCreate" })
export type NetworkCreateRequest = typeof NetworkCreateRequest.Type

/** A network as the API shows it: its subnets, and how many addresses are used and free (C6's counts). */
export interface NetworkView extends Network {
  readonly subnets: ReadonlyArray<Subnet & { readonly used: number; readonly free: number }>
  readonly used: number
  readonly free: number
}

const viewsOf = Effect.fn("operations.networks.views")(function* (networks: ReadonlyArray<Network>) {
  const store = yield* Store
  const subnets = yield* store.subnets.list()
  const usage = new Map((yield* store.ipam.usage()).map((u) => [u.subnetId, u]))
  return networks.map((network): NetworkView => {
    const own = subnets
      .filter((subnet) => subnet.networkId === network.id)
      .map((subnet) => ({ ...subnet, used: usage.get(subnet.id)?.used ?? 0, free: usage.get(subnet.id)?.free ?? 0 }))
    return {
      ...network,
      subnets: own,
      used: own.reduce((sum, subnet) => sum + subnet.used, 0),
      free: Math.min(
        own.reduce((sum, subnet) => sum + subnet.free, 0),
        Number.MAX_SAFE_INTEGER,
      ),
    }
  })
})

/**
 * C6, N1: the networks a caller may choose, with free-IP counts: shared ones and those of the caller's department
 * (a superadmin sees all; an admin those of the departments of the company).
 */
export const listNetworks = Effect.fn("operations.listNetworks")(function* (actor: Actor) {
  const store = yield* Store
  const all = yield* store.networks.list()
  const departments =
    actor.role === "admin"
      ? new Set((yield* store.departments.list({ companyId: actor.companyId })).map((department) => department.id))
      : new Set([actor.departmentId])
  const visible =
    actor.role === "superadmin"
      ? all
      : all.filter((network) => visibleTo(actor.departmentId)(network) || departments.has(network.departmentId ?? ""))
  return yield* viewsOf([...visible].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)))
})

/** #15: a superadmin adds a network with one subnet. */
export const createNetwork = Effect.fn("operations.createNetwork")(function* (
  actor: Actor,
  request: NetworkCreateRequest,
) {
  const store = yield* Store
  const cidr = parseCidr(request.subnet.cidr)
  const layout = cidr === undefined ? undefined : defaultLayout(cidr)
  const text = {
    cidr: request.subnet.cidr,
    gateway: request.subnet.gateway ?? layout?.gateway ?? "",
    rangeStart: request.subnet.rangeStart ?? layout?.rangeStart ?? "",
    rangeEnd: request.subnet.rangeEnd ?? layout?.rangeEnd ?? "",
    reserved: (request.subnet.reserved ?? []).map((address) => canonicalAddress(address) ?? address),
  }
  const departmentId = request.departmentId ?? null
  const layoutProblems = poolProblems(text)
  yield* checkRules("network.create", networkAdminRules.create, {
    actor,
    kind: request.kind,
    departmentId,
    layoutProblems,
  })
  if (departmentId !== null) yield* store.departments.get(departmentId)
  const id = randomUUID()
  const network = yield* store.networks.insert({
    id,
    name: request.name,
    kind: request.kind,
    departmentId,
    backing: request.backing === "user" ? { kind: "user" } : { kind: "bridge", bridge: "auto" },
    createdAt: yield* now,
  })
  yield* store.subnets.insert({
    id: randomUUID(),
    networkId: id,
    cidr: request.subnet.cidr,
    gateway: text.gateway,
    dhcp: request.subnet.dhcp ?? true,
    rangeStart: text.rangeStart,
    rangeEnd: text.rangeEnd,
    reserved: text.reserved,
    dns: request.subnet.dns ?? [],
  })
  const [view] = yield* viewsOf([network])
  return view as NetworkView
})

/** #15: a superadmin removes a network no NIC uses; its subnets go with it, and its bridge from this host. */
export const deleteNetwork = Effect.fn("operations.deleteNetwork")(function* (actor: Actor, networkId: string) {
  const store = yield* Store
  const network = yield* store.networks.get(networkId)
  const subnets = (yield* store.subnets.list()).filter((subnet) => subnet.networkId === networkId)
  const subnetIds = new Set(subnets.map((subnet) => subnet.id))
  const nicCount = (yield* store.nics.list()).filter((nic) => subnetIds.has(nic.subnetId)).length
  yield* checkRules("network.delete", networkAdminRules.delete, { actor, name: network.name, nicCount })
  for (const subnet of subnets) yield* store.subnets.remove(subnet.id)
  yield* store.networks.remove(networkId)
  yield* syncHostNetworking
})
