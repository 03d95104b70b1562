import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import type { Driver } from "../../driver/driver.ts"
import type { NicSpec } from "../../driver/spec.ts"
import { NotFound, type StoreError } from "../../errors.ts"
import type { IpamRefusal } from "../../ipam/errors.ts"
import { ipamViolation } from "../../ipam/violation.ts"
import type { Network, Nic } from "../../model/network.ts"
import type { Operation } from "../../model/operation.ts"
import type { Vm } from "../../model/vm.ts"
import type { Actor, VmContext } from "../../rules/context.ts"
import {
  type NetworkChoice,
  type NicContext,
  type NicIpContext,
  type NicJoinContext,
  networkRules,
  nicVmRules,
  type SecondaryIpContext,
} from "../../rules/networks.ts"
import type { IpKind } from "../../store/ipam.repository.ts"
import { Store } from "../../store/ports.ts"
import { now } from "../clock.ts"
import { driverFor } from "../driver-for.ts"
import { runVmOperation } from "../run-vm-operation.ts"
import type { RecordWork, VmCheck, VmOperation } from "../vm-operation.ts"
import { judgeFixedIp, pickSubnet, randomMac, type SubnetView, subnetViews } from "./choices.ts"
import { HostNetworking, syncHostNetworking } from "./host-networking.ts"
import { userBackingOf } from "./user-backing.ts"

/** N1: the network to join, with an optional fixed IP and DHCP flag (default: the subnet's). */
export interface JoinInput {
  readonly networkId: string
  readonly ip?: string
  readonly dhcp?: boolean
}

type NicOperation<I, C extends VmContext, A> = VmOperation<"full", I, C, void, RecordWork<C, void, A>>

/** The VM's NIC, or NotFound when it is another VM's (never reveal which). */
const nicOfVm = Effect.fn("operations.nics.nicOfVm")(function* (vm: Vm, nicId: string) {
  const store = yield* Store
  const nic = yield* store.nics.get(nicId).pipe(Effect.catchTag("NotFound", () => Effect.succeed(undefined)))
  if (nic === undefined || nic.vmId !== vm.id) return yield* new NotFound({ resource: "nic", id: nicId })
  return nic
})

/** The NIC's subnet as IPAM sees it now. */
const viewOf = Effect.fn("operations.nics.viewOf")(function* (nic: Nic) {
  const store = yield* Store
  const subnet = yield* store.subnets.get(nic.subnetId)
  const network = yield* store.networks.get(subnet.networkId)
  const views = yield* subnetViews([network])
  return views.find((view) => view.subnet.id === subnet.id) as SubnetView
})

const nicContext = (base: VmContext, nicId: string) =>
  Effect.gen(function* () {
    const nic = yield* nicOfVm(base.vm, nicId)
    const view = yield* viewOf(nic)
    return { ...base, nic, subnet: { name: view.network.name, freeIps: view.free }, view }
  })

/** IPAM's refusal under its lock, as the named rule (another request may have taken the address meanwhile). */
const allocate = (
  operation: Operation,
  nicId: string,
  subnetId: string,
  kind: IpKind,
  name: string,
  address?: string,
) =>
  Store.use((store) =>
    store.ipam.allocate([{ subnetId, nicId, kind, ...(address === undefined ? {} : { address }) }]),
  ).pipe(
    refusedAs(operation, name),
    Effect.map((allocations) => allocations[0]?.address ?? ""),
  )

/** IPAM's refusal as the rule it breaks (network-free-ips, fixed-ip-available), naming the network. */
const refusedAs =
  (operation: Operation, name: string) =>
  <A, R>(effect: Effect.Effect<A, IpamRefusal | NotFound | StoreError, R>) =>
    effect.pipe(
      Effect.catchTag("IpamRefusal", (refusal: IpamRefusal) =>
        Effect.fail(ipamViolation(operation, refusal, () => name)),
      ),
    )

/** The driver, when the VM runs and its driver hot-plugs NICs: a NIC change then reaches the guest at once. */
const hotplug = (vm: Vm) =>
  Effect.gen(function* () {
    if (vm.state !== "running") return undefined
    const driver: Driver = yield* driverFor(vm)
    return driver.capabilities.has("hotplugNic") ? driver.nics : undefined
  })

/** The NIC as the driver plugs it: its tap when the host has networking, else user-mode NAT. */
const nicSpec = (vm: Vm, nic: Nic) =>
  Effect.gen(function* () {
    const networking = yield* Effect.serviceOption(HostNetworking)
    const taps = networking._tag === "Some" ? yield* networking.value.prepareVm(vm.id) : []
    const tap = taps.find((candidate) => candidate.nicId === nic.id)
    const spec: NicSpec = {
      id: nic.id,
      mac: nic.mac,
      backing: tap === undefined ? yield* userBackingOf(nic) : { kind: "tap", tap: tap.tap },
    }
    return spec
  })

type Join = NicJoinContext & { readonly input: JoinInput }

/** N1 before a network is chosen (the detail's "join network" button): only what the VM itself must allow. */
export const joinNetworkCheck: VmCheck<"full", void, VmContext> = {
  operation: "nic.join",
  reads: "full",
  context: (base) => Effect.succeed(base),
  rules: nicVmRules,
}

/** N1: join a network: a NIC with its primary IP (fixed or the next free one); plugged in at once when running. */
export const joinNetworkOperation: NicOperation<JoinInput, Join, Nic> = {
  operation: "nic.join",
  reads: "full",
  context: (base, input) =>
    Effect.gen(function* () {
      const store = yield* Store
      const network: Network = yield* store.networks.get(input.networkId)
      const view = pickSubnet(yield* subnetViews([network]), input.ip)
      const choice: NetworkChoice = {
        network,
        subnetId: view?.subnet.id ?? "",
        freeIps: view?.free ?? 0,
        isDefault: false,
        dhcp: input.dhcp ?? view?.subnet.dhcp ?? false,
        fixedIp:
          input.ip === undefined
            ? null
            : view === undefined
              ? { address: input.ip, inSubnet: false, free: false }
              : judgeFixedIp(view, input.ip),
      }
      const joined = yield* store.nics.list({ vmId: base.vm.id })
      return { ...base, choice, joinedSubnetIds: joined.map((nic) => nic.subnetId), input }
    }),
  rules: networkRules.join,
  task: ({ choice }, input) => ({ targetId: choice.network.id, params: { ...input } }),
  work: {
    kind: "record",
    write: ({ vm, choice, joinedSubnetIds }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const id = randomUUID()
        // the address and the NIC in one transaction: a refusal or a failed insert leaves neither
        const nic = yield* store.ipam
          .insertNic({
            id,
            vmId: vm.id,
            subnetId: choice.subnetId,
            mac: randomMac(),
            primaryIp: choice.fixedIp?.address ?? "",
            secondaryIps: [],
            // C6: a VM's first network is its default one
            isDefault: joinedSubnetIds.length === 0,
            dhcp: choice.dhcp,
            createdAt: yield* now,
          })
          .pipe(refusedAs("nic.join", choice.network.name))
        const nics = yield* hotplug(vm)
        if (nics !== undefined) {
          yield* Effect.flatMap(nicSpec(vm, nic), (spec) => nics.attach(vm.hostname, spec)).pipe(
            Effect.tapError(() =>
              Effect.ignore(
                Effect.all([store.nics.remove(id), store.ipam.release(id), syncHostNetworking], { discard: true }),
              ),
            ),
          )
        }
        return nic
      }),
  },
}

/** N2: a new primary IP for a NIC of a stopped VM; the old one goes back to the pool. */
export const editPrimaryIpOperation: NicOperation<{ readonly nicId: string; readonly ip: string }, NicIpContext, Nic> =
  {
    operation: "nic.edit-primary-ip",
    reads: "full",
    context: (base, input) =>
      Effect.map(nicContext(base, input.nicId), ({ view, ...context }) => ({
        ...context,
        ip: judgeFixedIp(view, input.ip, context.nic.primaryIp),
      })),
    rules: networkRules["edit-primary-ip"],
    task: ({ nic }, input) => ({ targetId: nic.id, params: { ...input, was: nic.primaryIp } }),
    work: {
      kind: "record",
      write: ({ nic, subnet, ip }) =>
        Effect.gen(function* () {
          const store = yield* Store
          const address = ip.address
          if (address === nic.primaryIp) return nic
          const taken = yield* allocate("nic.edit-primary-ip", nic.id, nic.subnetId, "primary", subnet.name, address)
          yield* store.ipam.release(nic.id, [nic.primaryIp])
          const updated = yield* store.nics.update(nic.id, { primaryIp: taken })
          // the tap's source guard follows the address (the VM is stopped, its tap stays on the host)
          yield* syncHostNetworking
          return updated
        }),
    },
  }

/** N3: the subnet's next free address as a secondary IP of the NIC. */
export const addSecondaryIpOperation: NicOperation<{ readonly nicId: string }, NicContext, string> = {
  operation: "nic.add-secondary-ip",
  reads: "full",
  context: (base, input) => Effect.map(nicContext(base, input.nicId), ({ view: _, ...context }) => context),
  rules: networkRules["add-secondary-ip"],
  task: ({ nic }) => ({ targetId: nic.id, params: { nicId: nic.id } }),
  work: {
    kind: "record",
    write: ({ nic, subnet }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const address = yield* allocate("nic.add-secondary-ip", nic.id, nic.subnetId, "secondary", subnet.name)
        yield* store.nics.update(nic.id, { secondaryIps: [...nic.secondaryIps, address] })
        // the tap's source guard lets the new address through
        yield* syncHostNetworking
        return address
      }),
  },
}

/** N4: give one of the NIC's secondary IPs back. */
export const removeSecondaryIpOperation: NicOperation<
  { readonly nicId: string; readonly address: string },
  SecondaryIpContext,
  void
> = {
  operation: "nic.remove-secondary-ip",
  reads: "full",
  context: (base, input) =>
    Effect.map(nicContext(base, input.nicId), ({ view: _, ...context }) => ({ ...context, address: input.address })),
  rules: networkRules["remove-secondary-ip"],
  task: ({ nic, address }) => ({ targetId: nic.id, params: { nicId: nic.id, address } }),
  work: {
    kind: "record",
    write: ({ nic, address }) =>
      Effect.gen(function* () {
        const store = yield* Store
        yield* store.nics.update(nic.id, { secondaryIps: nic.secondaryIps.filter((ip) => ip !== address) })
        yield* store.ipam.release(nic.id, [address])
        // the tap's source guard drops the address: it stops answering even while the guest still holds it
        yield* syncHostNetworking
      }),
  },
}

/** N5: this NIC becomes the default network; the others lose the flag. */
export const setDefaultNetworkOperation: NicOperation<{ readonly nicId: string }, NicContext, void> = {
  operation: "nic.set-default",
  reads: "full",
  context: (base, input) => Effect.map(nicContext(base, input.nicId), ({ view: _, ...context }) => context),
  rules: networkRules["set-default"],
  task: ({ nic }) => ({ targetId: nic.id, params: { nicId: nic.id } }),
  work: {
    kind: "record",
    write: ({ vm, nic }) =>
      Effect.gen(function* () {
        const store = yield* Store
        for (const other of yield* store.nics.list({ vmId: vm.id })) {
          if (other.isDefault !== (other.id === nic.id)) {
            yield* store.nics.update(other.id, { isDefault: other.id === nic.id })
          }
        }
      }),
  },
}

/** N6: take a network (not the default one) off the VM: unplugged when running, its addresses and tap gone. */
export const removeNetworkOperation: NicOperation<{ readonly nicId: string }, NicContext, void> = {
  operation: "nic.remove",
  reads: "full",
  context: (base, input) => Effect.map(nicContext(base, input.nicId), ({ view: _, ...context }) => context),
  rules: networkRules.remove,
  task: ({ nic }) => ({ targetId: nic.id, params: { nicId: nic.id, primaryIp: nic.primaryIp } }),
  work: {
    kind: "record",
    write: ({ vm, nic }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const nics = yield* hotplug(vm)
        if (nics !== undefined) yield* nics.detach(vm.hostname, nic.id)
        yield* store.ipam.release(nic.id)
        yield* store.nics.remove(nic.id)
        yield* syncHostNetworking
      }),
  },
}

/** N1–N6 for callers: each runs through the one runner and returns its task with the value. */
export const nicOperations = {
  join: (actor: Actor, vmId: string, input: JoinInput) => runVmOperation(joinNetworkOperation, actor, vmId, input),
  editPrimaryIp: (actor: Actor, vmId: string, nicId: string, ip: string) =>
    runVmOperation(editPrimaryIpOperation, actor, vmId, { nicId, ip }),
  addSecondaryIp: (actor: Actor, vmId: string, nicId: string) =>
    runVmOperation(addSecondaryIpOperation, actor, vmId, { nicId }),
  removeSecondaryIp: (actor: Actor, vmId: string, nicId: string, address: string) =>
    runVmOperation(removeSecondaryIpOperation, actor, vmId, { nicId, address }),
  setDefault: (actor: Actor, vmId: string, nicId: string) =>
    runVmOperation(setDefaultNetworkOperation, actor, vmId, { nicId }),
  remove: (actor: Actor, vmId: string, nicId: string) => runVmOperation(removeNetworkOperation, actor, vmId, { nicId }),
}
