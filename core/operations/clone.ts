import { randomBytes, randomUUID } from "node:crypto"
import { posix } from "node:path"
import { type Context, Effect, Schema } from "effect"
import { type Keyring, keyringOf } from "../auth/sealing-keys.ts"
import { randomPassword, sealSecret } from "../auth/secrets.ts"
import { ClusterSettings } from "../cluster/settings.ts"
import { HostConfig } from "../config.ts"
import type { Driver } from "../driver/driver.ts"
import { DriverError, Unsupported } from "../driver/errors.ts"
import { InvalidInput } from "../errors.ts"
import { ipamViolation } from "../ipam/violation.ts"
import type { Disk, Nic, Vm } from "../model/index.ts"
import { type CloneContext, cloneDemand, cloneRules } from "../rules/clone.ts"
import type { Actor } from "../rules/context.ts"
import type { SubnetFree } from "../rules/networks.ts"
import { Store, type VmBundle } from "../store/ports.ts"
import { vmAdmission } from "./admission.ts"
import { now } from "./clock.ts"
import { driverFor } from "./driver-for.ts"
import { applyGuestLogin } from "./login.ts"
import { randomMac } from "./networks/choices.ts"
import { provision } from "./provision.ts"
import { quotaContext } from "./quota-context.ts"
import { runVmOperation } from "./run-vm-operation.ts"
import { quiesced } from "./snapshots/quiesce.ts"
import type { BackgroundWork, OperationServices, VmOperation } from "./vm-operation.ts"

/** R8: the clone's display name and password (absent: random); components (domain join, Windows only); start. */
export interface CloneRequest {
  readonly name: string
  readonly password?: string
  readonly components?: ReadonlyArray<string>
  /** Default true: the clone starts once its disks are copied. */
  readonly start?: boolean
}

/** What the runner gets: the request, and the password the clone takes (the one chosen, or a random one). */
interface CloneInput {
  readonly request: CloneRequest
  readonly password: string
}

interface Cloning extends CloneContext {
  readonly cloneId: string
  readonly subnets: ReadonlyArray<SubnetFree & { readonly subnetId: string }>
  readonly start: boolean
  readonly sourceDisks: ReadonlyArray<Disk>
  readonly sourceNics: ReadonlyArray<Nic>
  /** The password the clone takes, chosen or random (the rules see only a chosen one). */
  readonly newPassword: string
}

type Prepared = {
  readonly driver: Driver
  readonly copy: NonNullable<Driver["backups"]>
  readonly keyring: Keyring
  readonly storageDir: string
  /** The clone's provisioning is an operation of its own, run from the background work. */
  readonly services: Context.Context<OperationServices>
}

/** The clone was made, but its own provisioning task (define, start) did not succeed: it stays in error, as a create's. */
export class CloneNotProvisioned extends Schema.TaggedError<CloneNotProvisioned>()("CloneNotProvisioned", {
  cloneId: Schema.String,
  taskId: Schema.String,
  state: Schema.String,
}) {}

/** The source's NICs' subnets, each with its network's name and its free addresses now (rule network-free-ips). */
const subnetsOf = (nics: ReadonlyArray<Nic>) =>
  Effect.gen(function* () {
    const store = yield* Store
    const ids = [...new Set(nics.map((nic) => nic.subnetId))]
    if (ids.length === 0) return []
    const usage = new Map((yield* store.ipam.usage(ids)).map((u) => [u.subnetId, u.free]))
    return yield* Effect.forEach(ids, (id) =>
      Effect.gen(function* () {
        const subnet = yield* store.subnets.get(id)
        const network = yield* store.networks.get(subnet.networkId)
        return { subnetId: id, name: network.name, freeIps: usage.get(id) ?? 0 }
      }),
    )
  })

/**
 * The clone's rows: the source's record with a new id, hostname, display name and password (pending: the copied
 * guest still holds the source's, so the clone's first start sets it); every disk a standalone copy on the same host;
 * each NIC on the same subnet with a new MAC and IPAM's next free address (never the source's).
 */
const cloneBundle = (context: Cloning, storageDir: string, keyring: Keyring, at: Date): VmBundle => {
  const source = context.vm
  const id = context.cloneId
  const vm: Vm = {
    ...source,
    id,
    displayName: context.name,
    hostname: `vm-${randomBytes(5).toString("hex")}`,
    deletionProtected: false,
    passwordCipher: source.loginMethod === "password" ? sealSecret(keyring, context.newPassword) : null,
    passwordPending: source.loginMethod === "password",
    components: context.components,
    monitoringInstalled: false,
    isoImageId: null,
    state: "validating",
    stateReason: "",
    recycledAt: null,
    createdBy: context.actor.userId,
    createdAt: at,
    updatedAt: at,
    version: 0,
  }
  const disks = context.sourceDisks.map((disk): Disk => {
    const diskId = randomUUID()
    return {
      ...disk,
      id: diskId,
      name: `${vm.hostname}-${disk.role === "system" ? "system" : diskId.slice(0, 8)}`,
      vmId: id,
      // a full copy stands alone: no image behind it
      format: "qcow2",
      path: posix.join(storageDir, `${diskId}.qcow2`),
      backingPath: null,
      createdAt: at,
    }
  })
  const nics = context.sourceNics.map(
    (nic): Nic => ({
      id: randomUUID(),
      vmId: id,
      subnetId: nic.subnetId,
      mac: randomMac(),
      primaryIp: "",
      secondaryIps: [],
      isDefault: nic.isDefault,
      dhcp: nic.dhcp,
      createdAt: at,
    }),
  )
  return { vm, disks, nics }
}

/** The source's disks in the order of the clone's (cloneBundle keeps it), paired. */
const pairs = (context: Cloning, bundle: VmBundle) =>
  context.sourceDisks.map((source, index) => ({ source, target: bundle.disks[index] as Disk }))

/**
 * R8: clone a VM: the same configuration, disks with their content, NICs on the same networks with new addresses, a
 * new display name and password. The clone's rows go in first (quota G2 and the host's room checked again inside the
 * transaction, IPAM handing out the addresses: rule network-free-ips when a subnet ran out meanwhile); then each disk
 * is copied with the driver's full backup into the clone's disk file (point in time, the guest's file systems frozen
 * while the source runs, so the source keeps running; the copy's change-tracking bitmap is dropped at once); then
 * the clone is provisioned as a VM of its own (its own task) and started, its password set in the guest. The task is
 * the source's; params.cloneId names the clone. A copy that fails removes the clone's files and rows.
 */
export const cloneOperation: VmOperation<
  "full",
  CloneInput,
  Cloning,
  Prepared,
  BackgroundWork<Cloning, Prepared, VmBundle>
> = {
  operation: "vm.clone",
  reads: "full",
  context: (base, { request, password }) =>
    Effect.gen(function* () {
      const store = yield* Store
      const [sourceDisks, sourceNics] = yield* Effect.all(
        [store.disks.list({ vmId: base.vm.id }), store.nics.list({ vmId: base.vm.id })],
        { concurrency: "unbounded" },
      )
      const ordered = [...sourceDisks].sort((a, b) => (a.role === b.role ? 0 : a.role === "system" ? -1 : 1))
      return {
        ...base,
        ...(yield* quotaContext(base.vm.departmentId, cloneDemand(base.vm, ordered))),
        name: request.name,
        password: request.password ?? null,
        components: request.components ?? base.vm.components,
        subnets: yield* subnetsOf(sourceNics),
        cloneId: randomUUID(),
        start: request.start ?? true,
        sourceDisks: ordered,
        sourceNics,
        newPassword: password,
      }
    }),
  rules: cloneRules,
  prepare: ({ vm }) =>
    Effect.gen(function* () {
      const config = yield* HostConfig
      const driver = yield* driverFor(vm, "vm.clone")
      if (driver.backups === undefined || !driver.capabilities.has("diskBackup")) {
        const reason = new Unsupported({ capability: "diskBackup" })
        return yield* new DriverError({ driver: driver.name, operation: "vm.clone", reason })
      }
      const services = yield* Effect.context<OperationServices>()
      return { driver, copy: driver.backups, keyring: keyringOf(config), storageDir: config.storageDir, services }
    }),
  task: ({ cloneId, name, start }) => ({ targetId: cloneId, params: { cloneId, name, start } }),
  work: {
    kind: "background",
    record: (context, { keyring, storageDir }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const { stoppedVms } = yield* ClusterSettings
        const bundle = cloneBundle(context, storageDir, keyring, yield* now)
        const host = yield* store.hosts.get(context.vm.hostId ?? "")
        const room = { cpus: context.vm.cpus, memoryMiB: context.vm.memoryMiB, count: 1 }
        const admission = vmAdmission("vm.clone", context.vm.departmentId, context.demand, host, room, stoppedVms)
        const names = new Map(context.subnets.map((subnet) => [subnet.subnetId, subnet.name]))
        yield* store.vms
          .insertBundles([bundle], admission)
          .pipe(
            Effect.catchTag("IpamRefusal", (refusal) =>
              Effect.fail(ipamViolation("vm.clone", refusal, (subnetId) => names.get(subnetId) ?? subnetId)),
            ),
          )
        // X5: the clone holds the source's key pairs (its record copied the first; the set lives beside it)
        const keyPairs = yield* store.vmKeyPairs.list(context.vm.id)
        if (keyPairs.length > 0)
          yield* store.vmKeyPairs.set(
            context.cloneId,
            keyPairs.map((keyPair) => keyPair.id),
          )
        return bundle
      }),
    discard: ({ cloneId }) => Store.use((store) => store.vms.purge(cloneId, [])),
    run: (context, { driver, copy, keyring, services }, recorded) =>
      Effect.gen(function* () {
        const bundle = yield* recorded
        const chain = `hx-clone-${context.cloneId.slice(0, 8)}`
        const copied = Effect.forEach(pairs(context, bundle), ({ source, target }) =>
          copy
            .full(context.vm.hostname, source.id, target.path, { chain })
            .pipe(Effect.andThen(copy.dropChain(context.vm.hostname, source.id, chain))),
        )
        yield* quiesced(driver, context.vm, true, copied)
        const handle = yield* provision(context.actor, context.cloneId, context.start).pipe(Effect.provide(services))
        const provisioned = yield* handle.done
        if (provisioned.state !== "succeeded") {
          const failed = { cloneId: context.cloneId, taskId: provisioned.id, state: provisioned.state }
          return yield* new CloneNotProvisioned(failed)
        }
        const clone = yield* Store.use((store) => store.vms.get(context.cloneId))
        if (context.start) yield* applyGuestLogin(driver, { ...context, vm: clone }, keyring)
        return { cloneId: context.cloneId, provisionTaskId: provisioned.id }
      }),
    // Only a clone whose copy never finished is taken back; one that failed to start stays, in error, as a create's.
    onFailure: ({ cloneId }, { driver }) =>
      Effect.gen(function* () {
        const store = yield* Store
        const clone = yield* store.vms.get(cloneId)
        if (clone.state !== "validating") return
        const disks = yield* store.disks.list({ vmId: cloneId })
        yield* Effect.forEach(disks, (disk) => Effect.ignore(driver.volumes.remove(disk.path)))
        yield* store.vms.purge(
          cloneId,
          disks.map((disk) => disk.id),
        )
      }),
  },
}

/** R8: returns the source's task at once and the clone's password (shown once; R6 shows it again). */
export const cloneVm = (actor: Actor, vmId: string, request: CloneRequest) => {
  if (request.components?.some((component) => component.length > 64)) {
    return Effect.fail(new InvalidInput({ message: "A component name has at most 64 characters" }))
  }
  const password = request.password ?? randomPassword()
  return Effect.map(runVmOperation(cloneOperation, actor, vmId, { request, password }), (handle) => ({
    ...handle,
    password,
  }))
}
