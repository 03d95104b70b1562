import { Schema } from "effect"
import { Id, NonNegativeInt, PositiveInt, Tags, Timestamp } from "./common.ts"
import { NetworksRequest } from "./network.ts"

/** The nine lifecycle states of the manual (生命周期). */
export const VmState = Schema.Literals([
  "validating",
  "starting",
  "running",
  "stopping",
  "stopped",
  "rebooting",
  "migrating",
  "destroying",
  "error",
])
export type VmState = typeof VmState.Type

export const LoginMethod = Schema.Literals(["password", "ssh-key"])
export type LoginMethod = typeof LoginMethod.Type

/** R12, #16: the order in which the leader restarts a down host's HA VMs: 0–100, higher first (default 0). */
export const HaPriority = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 100 }))

/** A virtual machine as the platform records it. */
export const Vm = Schema.Struct({
  id: Id,
  /** Display name (R2): may repeat and may change. */
  displayName: Schema.String,
  /** The system's unique name for the VM, also the hypervisor's; never changes (R2). */
  hostname: Schema.String,
  ownerId: Id,
  companyId: Id,
  departmentId: Id,
  tags: Tags,
  remarks: Schema.String,
  /** R5: null means never reclaimed. */
  reclaimAt: Schema.NullOr(Timestamp),
  haEnabled: Schema.Boolean,
  haPriority: HaPriority,
  deletionProtected: Schema.Boolean,
  loginMethod: LoginMethod,
  keyPairId: Schema.NullOr(Id),
  /** AES-GCM ciphertext of the VM's password (R6, R11); never the plain text. */
  passwordCipher: Schema.NullOr(Schema.String),
  /** R11: a reset waits for the next start, which sets it in the guest. */
  passwordPending: Schema.Boolean,
  flavorId: Id,
  imageId: Id,
  cpus: PositiveInt,
  sockets: PositiveInt,
  coresPerSocket: PositiveInt,
  memoryMiB: PositiveInt,
  state: VmState,
  /** Why the VM is in error, for the admin who must fix it. */
  stateReason: Schema.String,
  hostId: Schema.NullOr(Id),
  zone: Schema.String,
  pod: Schema.String,
  affinityGroupIds: Schema.Array(Id),
  /** C3: deploy to the department's dedicated host when it has one. */
  dedicatedHost: Schema.Boolean,
  /** C3: optional components such as a Windows domain join. */
  components: Schema.Array(Schema.String),
  monitoringInstalled: Schema.Boolean,
  /** ISO attached as CD-ROM (X3). */
  isoImageId: Schema.NullOr(Id),
  /** Set while the VM sits in the recycle bin (B4, G3). */
  recycledAt: Schema.NullOr(Timestamp),
  createdBy: Id,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  /** Optimistic concurrency: bumped on every write. */
  version: NonNegativeInt,
})
export type Vm = typeof Vm.Type

/** What to create (C1–C8), after the wizard; the core fills in the rest. */
export const VmCreateRequest = Schema.Struct({
  ownerId: Schema.optionalKey(Id),
  count: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 10 })),
  name: Schema.optionalKey(Schema.String),
  tags: Schema.optionalKey(Tags),
  remarks: Schema.optionalKey(Schema.String),
  reclaimAt: Schema.optionalKey(Schema.NullOr(Timestamp)),
  imageId: Id,
  flavorId: Id,
  /** "auto" (C4) or a number of sockets that divides the CPU count (K4). */
  sockets: Schema.optionalKey(Schema.Union([Schema.Literal("auto"), PositiveInt])),
  dataDisks: Schema.optionalKey(
    Schema.Array(Schema.Struct({ sizeGiB: PositiveInt, storageClass: Schema.optionalKey(Schema.String) })),
  ),
  affinityGroupIds: Schema.optionalKey(Schema.Array(Id)),
  dedicatedHost: Schema.optionalKey(Schema.Boolean),
  loginMethod: Schema.optionalKey(LoginMethod),
  keyPairId: Schema.optionalKey(Id),
  password: Schema.optionalKey(Schema.String),
  components: Schema.optionalKey(Schema.Array(Schema.String)),
  haEnabled: Schema.optionalKey(Schema.Boolean),
  /** R12: the HA restart priority, 0–100 (default 0); only with HA on (rule ha-priority-needs-ha). */
  haPriority: Schema.optionalKey(HaPriority),
  /** Start the VM once it is created (default true). */
  start: Schema.optionalKey(Schema.Boolean),
  /** C6: the VM's networks; without it the VM has no NIC. */
  networks: Schema.optionalKey(NetworksRequest),
})
export type VmCreateRequest = typeof VmCreateRequest.Type

export const VmCount = Schema.Struct({ count: NonNegativeInt })
