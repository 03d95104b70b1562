import { randomBytes, randomUUID } from "node:crypto"
import { Effect } from "effect"
import { keyringOf } from "../auth/sealing-keys.ts"
import { randomPassword, sealSecret } from "../auth/secrets.ts"
import { Peers, remoteHandle } from "../cluster/peers.ts"
import { ClusterSettings } from "../cluster/settings.ts"
import { HostConfig } from "../config.ts"
import { ipamViolation } from "../ipam/violation.ts"
import type { Disk, Flavor, Image, Nic, User, Vm, VmCreateRequest } from "../model/index.ts"
import { placementCandidates } from "../placement/candidates.ts"
import { place } from "../placement/place.ts"
import { placementRefusal } from "../placement/refusal.ts"
import type { Actor } from "../rules/context.ts"
import {
  batchNamePrefix,
  batchNames,
  type CreateContext,
  cpuTopology,
  createDemand,
  createRules,
} from "../rules/create.ts"
import { checkRules } from "../rules/rule.ts"
import { Store, type VmBundle } from "../store/ports.ts"
import { vmAdmission } from "./admission.ts"
import { now } from "./clock.ts"
import { type NicPlan, randomMac, resolveNetworks } from "./networks/choices.ts"
import { resolveOwner } from "./owner.ts"
import { provision } from "./provision.ts"
import { diskPricePerDay } from "./quote.ts"

/** Resolve what the request names, so the rules see whole records. */
const resolve = Effect.fn("operations.create.resolve")(function* (actor: Actor, request: VmCreateRequest) {
  const store = yield* Store
  const owner = yield* resolveOwner(actor, request.ownerId)
  const flavor = yield* store.flavors.get(request.flavorId)
  const image = yield* store.images.get(request.imageId)
  const keyPair = request.keyPairId === undefined ? null : yield* store.keyPairs.get(request.keyPairId)
  const groups = yield* Effect.forEach(request.affinityGroupIds ?? [], (id) => store.affinityGroups.get(id))
  const hosts = yield* store.hosts.list({ state: "up" })
  const networks = yield* resolveNetworks(request.networks, owner.departmentId)
  const context: CreateContext = {
    actor,
    request,
    flavor,
    image,
    owner,
    keyPair,
    affinityGroups: groups,
    hasDedicatedHost: hosts.some((h) => h.dedicatedDepartmentId === owner.departmentId),
    networks: networks.choices,
    autoSubnet: networks.autoSubnet,
    quota: yield* store.quotas.get(owner.departmentId),
    usage: yield* store.quotas.usage(owner.departmentId),
    demand: createDemand(request, flavor, image),
    now: yield* now,
  }
  return { context, networks }
})

/** C1: one VM keeps the name it was given; a batch is named from its tags, continuing the sequence. */
const namesFor = Effect.fn("operations.create.names")(function* (request: VmCreateRequest, companyNumber: string) {
  if (request.count === 1 && request.name !== undefined) return [request.name]
  const store = yield* Store
  const tags = request.tags ?? {}
  const existing = yield* store.vms.list({ displayNamePrefix: batchNamePrefix(tags) })
  const recycled = yield* store.vms.list({ displayNamePrefix: batchNamePrefix(tags), recycled: true })
  return batchNames(tags, request.count, companyNumber, existing.length + recycled.length) ?? []
})

interface Blueprint {
  readonly actor: Actor
  readonly request: VmCreateRequest
  readonly owner: User
  readonly flavor: Flavor
  readonly image: Image
  readonly hostId: string
  readonly zone: string
  readonly pod: string
  readonly at: Date
  readonly nics: ReadonlyArray<NicPlan>
}

/** One VM's records: the VM in "validating", a system disk over the image, and the requested data disks. */
const bundleFor = Effect.fn("operations.create.bundle")(function* (b: Blueprint, displayName: string) {
  const config = yield* HostConfig
  const id = randomUUID()
  const topology = cpuTopology(b.flavor.cpus, b.request.sockets)
  const loginMethod = b.request.loginMethod ?? "password"
  const password = loginMethod === "password" ? (b.request.password ?? randomPassword()) : null
  const vm: Vm = {
    id,
    displayName,
    hostname: `vm-${randomBytes(5).toString("hex")}`,
    ownerId: b.owner.id,
    companyId: b.owner.companyId,
    departmentId: b.owner.departmentId,
    tags: b.request.tags ?? {},
    remarks: b.request.remarks ?? "",
    reclaimAt: b.request.reclaimAt ?? null,
    haEnabled: b.request.haEnabled ?? true,
    haPriority: b.request.haPriority ?? 0,
    deletionProtected: false,
    loginMethod,
    keyPairId: b.request.keyPairId ?? null,
    passwordCipher: password === null ? null : sealSecret(keyringOf(config), password),
    // R6: the guest takes the password at its first start (the platform sets it through the guest agent) when the
    // image lets the platform manage it; other images keep their own
    passwordPending: password !== null && b.image.passwordManaged,
    flavorId: b.flavor.id,
    imageId: b.image.id,
    cpus: b.flavor.cpus,
    sockets: topology.sockets,
    coresPerSocket: topology.coresPerSocket,
    memoryMiB: b.flavor.memoryMiB,
    state: "validating",
    stateReason: "",
    hostId: b.hostId,
    zone: b.zone,
    pod: b.pod,
    affinityGroupIds: b.request.affinityGroupIds ?? [],
    dedicatedHost: b.request.dedicatedHost ?? false,
    components: b.request.components ?? [],
    monitoringInstalled: false,
    isoImageId: null,
    recycledAt: null,
    createdBy: b.actor.userId,
    createdAt: b.at,
    updatedAt: b.at,
    version: 0,
  }
  const disk = (role: Disk["role"], sizeGiB: number, storageClass: string, perDay: number): Disk => {
    const diskId = randomUUID()
    return {
      id: diskId,
      name: `${vm.hostname}-${role === "system" ? "system" : diskId.slice(0, 8)}`,
      departmentId: vm.departmentId,
      ownerId: vm.ownerId,
      hostId: b.hostId,
      vmId: id,
      role,
      storageClass,
      format: "qcow2",
      bus: "virtio",
      sizeGiB,
      path: `${config.storageDir}/${diskId}.qcow2`,
      backingPath: role === "system" ? b.image.location : null,
      perDay,
      createdAt: b.at,
    }
  }
  const disks: Array<Disk> = [disk("system", b.image.minDiskGiB, "standard", 0)]
  for (const d of b.request.dataDisks ?? []) {
    const storageClass = d.storageClass ?? "standard"
    disks.push(disk("data", d.sizeGiB, storageClass, yield* diskPricePerDay([{ sizeGiB: d.sizeGiB, storageClass }])))
  }
  // an empty primary IP is IPAM's next free one, allocated where the rows go in (C6, C8)
  const nics = b.nics.map(
    (plan): Nic => ({
      id: randomUUID(),
      vmId: id,
      subnetId: plan.subnetId,
      mac: randomMac(),
      primaryIp: plan.fixedIp ?? "",
      secondaryIps: [],
      isDefault: plan.isDefault,
      dhcp: plan.dhcp,
      createdAt: b.at,
    }),
  )
  const bundle: VmBundle = { vm, disks, nics }
  return bundle
})

/**
 * C1–C5, C7, C8: check the rules for the whole batch, place it, insert every VM with its disks in one
 * transaction (all or nothing), then provision each VM as its own task. Returns the tasks at once.
 */
export const createVms = Effect.fn("operations.createVms")(function* (actor: Actor, request: VmCreateRequest) {
  const store = yield* Store
  const { context, networks } = yield* resolve(actor, request)
  yield* checkRules("vm.create", createRules, context)
  const { owner, flavor, image } = context
  // #16: every host, with its state now, so that a refusal says which constraint ruled out which host.
  const placement = place(yield* placementCandidates(), {
    cpus: flavor.cpus,
    memoryMiB: flavor.memoryMiB,
    count: request.count,
    departmentId: owner.departmentId,
    dedicated: request.dedicatedHost ?? false,
    groups: context.affinityGroups.map((g) => ({ id: g.id, policy: g.policy })),
  })
  if (placement._tag === "Refused") return yield* placementRefusal("vm.create", placement)
  const host = placement.host
  const company = yield* store.companies.get(owner.companyId)
  const names = yield* namesFor(request, company.number)
  const blueprint: Blueprint = {
    actor,
    request,
    owner,
    flavor,
    image,
    hostId: host.id,
    zone: host.zone,
    pod: host.pod,
    at: yield* now,
    nics: networks.plan,
  }
  const bundles = yield* Effect.forEach(names, (name) => bundleFor(blueprint, name))
  const { stoppedVms } = yield* ClusterSettings
  yield* store.vms
    .insertBundles(
      bundles,
      vmAdmission(
        "vm.create",
        owner.departmentId,
        context.demand,
        host,
        { cpus: flavor.cpus, memoryMiB: flavor.memoryMiB, count: request.count },
        stoppedVms,
      ),
    )
    .pipe(
      Effect.catchTag("IpamRefusal", (refusal) =>
        Effect.fail(ipamViolation("vm.create", refusal, (subnetId) => networks.names.get(subnetId) ?? subnetId)),
      ),
    )
  const start = request.start ?? true
  // #16: a VM placed on another host is provisioned by that host's agent (its driver), not by this one.
  const peers = yield* Peers
  const { hostId } = yield* HostConfig
  const provisionOne = (vmId: string) =>
    Effect.gen(function* () {
      if (peers === undefined || host.id === hostId) return yield* provision(actor, vmId, start)
      const taskId = yield* peers.provision(host, actor, vmId, start)
      return remoteHandle(store, yield* store.tasks.get(taskId))
    })
  return yield* Effect.forEach(bundles, (bundle) => provisionOne(bundle.vm.id))
})
