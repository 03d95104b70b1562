import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { ipamViolation } from "../ipam/violation.ts"
import type { Network, Nic, User, Vm } from "../model/index.ts"
import type { Actor } from "../rules/context.ts"
import { type ChangeOwnerContext, changeOwnerRules } from "../rules/ownership.ts"
import { Store } from "../store/ports.ts"
import { now } from "./clock.ts"
import { pickSubnet, subnetViews } from "./networks/choices.ts"
import { syncHostNetworking } from "./networks/host-networking.ts"
import { runVmOperation } from "./run-vm-operation.ts"
import type { RecordWork, VmOperation } from "./vm-operation.ts"

/** A network only its department sees (isolated, VPC): what a move to another company cannot keep (R3). */
const ownedBy = (departmentId: string) => (network: Network) =>
  network.kind !== "shared" && network.departmentId === departmentId

/**
 * The target department's network of the same kind: the one it has (with the most free addresses), or a copy of the
 * old one's layout made there (an isolated network or VPC is its own L2 domain, so the same CIDR does not clash).
 */
const targetSubnet = (old: Network, departmentId: string) =>
  Effect.gen(function* () {
    const store = yield* Store
    const theirs = (yield* store.networks.list()).filter((n) => n.kind === old.kind && ownedBy(departmentId)(n))
    const best = pickSubnet(yield* subnetViews(theirs))
    if (best !== undefined) return { subnetId: best.subnet.id, name: best.network.name, created: false }
    const [layout] = yield* store.subnets.list({ networkId: old.id })
    const network = yield* store.networks.insert({
      id: randomUUID(),
      name: old.name,
      kind: old.kind,
      departmentId,
      backing: old.backing,
      createdAt: yield* now,
    })
    const subnet = yield* store.subnets.insert({
      ...(layout ?? { cidr: "", gateway: "", dhcp: true, rangeStart: "", rangeEnd: "", reserved: [], dns: [] }),
      id: randomUUID(),
      networkId: network.id,
    })
    return { subnetId: subnet.id, name: network.name, created: true }
  })

/** R3 to another company: each NIC on the old department's own network moves to the target's, with a new address. */
const moveNics = (vm: Vm, newOwner: User) =>
  Effect.gen(function* () {
    const store = yield* Store
    const moved: Array<{ readonly nicId: string; readonly subnetId: string; readonly networkCreated: boolean }> = []
    for (const nic of yield* store.nics.list({ vmId: vm.id })) {
      const subnet = yield* store.subnets.get(nic.subnetId)
      const network = yield* store.networks.get(subnet.networkId)
      if (!ownedBy(vm.departmentId)(network)) continue
      const target = yield* targetSubnet(network, newOwner.departmentId)
      yield* store.ipam.release(nic.id)
      const [address] = yield* store.ipam
        .allocate([{ subnetId: target.subnetId, nicId: nic.id, kind: "primary" }])
        .pipe(
          Effect.catchTag("IpamRefusal", (refusal) =>
            Effect.fail(ipamViolation("vm.change-owner", refusal, () => target.name)),
          ),
        )
      const patch: Partial<Nic> = { subnetId: target.subnetId, primaryIp: address?.address ?? "", secondaryIps: [] }
      yield* store.nics.update(nic.id, patch)
      moved.push({ nicId: nic.id, subnetId: target.subnetId, networkCreated: target.created })
    }
    return moved
  })

/**
 * R3: give the VM to another user. Within the department only the owner changes; to another department of the same
 * company its snapshots, snapshot schedules, backups and backup schedules must be gone (the rules), and its affinity
 * groups (the old department's) are left; to another company the VM must also be stopped, and each NIC on the old
 * department's isolated network or VPC subnet moves to the target department's own (created there, with the same
 * layout, when it has none), with a new address; shared networks stay. The VM's disks follow the owner.
 */
export const changeOwnerOperation: VmOperation<
  "full",
  string,
  ChangeOwnerContext,
  void,
  RecordWork<ChangeOwnerContext, void, unknown>
> = {
  operation: "vm.change-owner",
  reads: "full",
  context: (base, ownerId) =>
    Effect.map(
      Store.use((store) => store.users.get(ownerId)),
      (newOwner) => ({ ...base, newOwner }),
    ),
  rules: changeOwnerRules,
  task: ({ vm, newOwner }) => ({
    targetId: newOwner.id,
    params: { from: vm.ownerId, to: newOwner.id, departmentId: newOwner.departmentId, companyId: newOwner.companyId },
  }),
  work: {
    kind: "record",
    write: ({ vm, newOwner }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const otherCompany = vm.companyId !== newOwner.companyId
        const otherDepartment = vm.departmentId !== newOwner.departmentId
        const moved = otherCompany ? yield* moveNics(vm, newOwner) : []
        yield* store.vms.update(
          vm.id,
          {
            ownerId: newOwner.id,
            departmentId: newOwner.departmentId,
            companyId: newOwner.companyId,
            ...(otherDepartment ? { affinityGroupIds: [] } : {}),
          },
          vm.version,
        )
        for (const disk of yield* store.disks.list({ vmId: vm.id })) {
          yield* store.disks.update(disk.id, { ownerId: newOwner.id, departmentId: newOwner.departmentId })
        }
        if (moved.length > 0) yield* syncHostNetworking
        return { ownerId: newOwner.id, departmentId: newOwner.departmentId, nicsMoved: moved }
      }),
  },
}

/** R3: returns the finished task. */
export const changeOwner = (actor: Actor, vmId: string, ownerId: string) =>
  runVmOperation(changeOwnerOperation, actor, vmId, ownerId)
