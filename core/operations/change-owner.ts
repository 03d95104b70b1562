import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { ipamViolation } from "../ipam/violation.ts"
import type { Network, Nic, User, Vm } from "../model/index.ts"
import type { Actor } from "../rules/context.ts"
import { type ChangeOwnerContext, changeOwnerRules } from "../rules/ownership.ts"
import { noDemand, type QuotaDemand } from "../rules/quota.ts"
import { Store } from "../store/ports.ts"
import { quotaAdmission } from "./admission.ts"
import { now } from "./clock.ts"
import { pickSubnet, subnetViews } from "./networks/choices.ts"
import { syncHostNetworking } from "./networks/host-networking.ts"
import { quotaContext } from "./quota-context.ts"
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

/** G2: what the VM brings to another department's quota (its disks follow it); nothing within its own. */
const ownerDemand = (vm: Vm, newOwner: User) =>
  vm.departmentId === newOwner.departmentId
    ? Effect.succeed(noDemand)
    : Store.use((store) => store.disks.list({ vmId: vm.id })).pipe(
        Effect.map(
          (disks): QuotaDemand => ({
            cpus: vm.cpus,
            memoryMiB: vm.memoryMiB,
            diskGiB: disks.reduce((sum, disk) => sum + disk.sizeGiB, 0),
            vmCount: 1,
          }),
        ),
      )

/**
 * R3: give the VM to another user. Within the department only the owner changes; to another department of the same
 * company its snapshots, snapshot schedules, backups and backup schedules must be gone (the rules), and its affinity
 * groups (the old department's) are left; to another company the VM must also be stopped, and each NIC on the old
 * department's isolated network or VPC subnet moves to the target department's own (created there, with the same
 * layout, when it has none), with a new address; shared networks stay. The VM's disks follow the owner. Another
 * department's quota must hold the VM (G2): checked by the rules, then again where the owner is written, under that
 * department's lock, so that parallel moves into one department cannot all pass on the same free quota.
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
    Effect.gen(function* () {
      const newOwner = yield* Store.use((store) => store.users.get(ownerId))
      const quota = yield* quotaContext(newOwner.departmentId, yield* ownerDemand(base.vm, newOwner))
      return { ...base, newOwner, ...quota }
    }),
  rules: changeOwnerRules,
  task: ({ vm, newOwner }) => ({
    targetId: newOwner.id,
    params: { from: vm.ownerId, to: newOwner.id, departmentId: newOwner.departmentId, companyId: newOwner.companyId },
  }),
  work: {
    kind: "record",
    write: ({ vm, newOwner, demand }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const otherCompany = vm.companyId !== newOwner.companyId
        const otherDepartment = vm.departmentId !== newOwner.departmentId
        const patch = {
          ownerId: newOwner.id,
          departmentId: newOwner.departmentId,
          companyId: newOwner.companyId,
          ...(otherDepartment ? { affinityGroupIds: [] } : {}),
        }
        // the owner first: a refusal by the target's quota (G2) must leave the NICs where they are
        if (otherDepartment) {
          const admission = quotaAdmission("vm.change-owner", newOwner.departmentId, vm.hostId ?? "", demand)
          yield* store.vms.updateAdmitted(vm.id, patch, vm.version, admission)
        } else {
          yield* store.vms.update(vm.id, patch, vm.version)
        }
        const moved = otherCompany ? yield* moveNics(vm, newOwner) : []
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
