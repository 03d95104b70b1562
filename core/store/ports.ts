import { Context, type Effect } from "effect"
import type { AlarmEvent } from "../alarms/model.ts"
import type { DailyCost } from "../cost/daily.ts"
import type { HoldingRecord } from "../cost/holding.ts"
import type { NotFound, RuleViolation, StoreError, VersionConflict } from "../errors.ts"
import type { IpamRefusal } from "../ipam/errors.ts"
import type { MetricSample, MetricTier } from "../metrics/sample.ts"
import type {
  AffinityGroup,
  AlarmRule,
  ApiToken,
  Backup,
  Company,
  Department,
  Disk,
  Flavor,
  Host,
  HostDevice,
  Image,
  KeyPair,
  Network,
  Nic,
  Operation,
  Price,
  Quota,
  QuotaUsage,
  Role,
  Schedule,
  Snapshot,
  Subnet,
  Task,
  TaskState,
  User,
  Vm,
  VmState,
} from "../model/index.ts"
import type { ReclaimCandidate, ReclaimNotice } from "../reclaim/model.ts"
import type { Admission } from "./admission.ts"
import type { IpamRepository } from "./ipam.repository.ts"
import type { VmDetailReads } from "./vm-detail.ts"
import type { VmPage, VmQuery } from "./vm-query.ts"
import type { VmListField, VmSheetPage } from "./vm-sheet.ts"

export type { VmCursor, VmListRow, VmPage, VmQuery, VmSortKey } from "./vm-query.ts"
export type { VmListField, VmListValues, VmSheetPage, VmSheetRow } from "./vm-sheet.ts"

type Q<A> = Effect.Effect<A, StoreError>
type Row = { readonly id: string }
type Patch<T> = Partial<Omit<T, "id" | "createdAt">>

/** The same five calls for every table; filters are the table's columns, matched by equality. */
export interface Repository<T extends Row, F = Partial<T>> {
  get(id: string): Effect.Effect<T, NotFound | StoreError>
  list(filter?: F): Q<ReadonlyArray<T>>
  insert(row: T): Q<T>
  update(id: string, patch: Patch<T>): Effect.Effect<T, NotFound | StoreError>
  remove(id: string): Q<void>
}

/** X5: the key pairs a VM holds (vm_key_pairs), in the order chosen. */
export interface VmKeyPairRepository {
  list(vmId: string): Q<ReadonlyArray<KeyPair>>
  /** Replaces the VM's key pairs with these, in this order (none: the VM falls back to its vms.key_pair_id). */
  set(vmId: string, keyPairIds: ReadonlyArray<string>): Q<void>
}

/** The host devices table, with the writes that hold against parallel callers (X1, X4: never two VMs). */
export interface HostDeviceRepository extends Repository<HostDevice> {
  /**
   * Give free devices to a VM in one conditional write: all of them (each held by no VM, still on the host, a GPU in
   * an IOMMU group) or none; undefined when another caller got one first.
   */
  claim(ids: ReadonlyArray<string>, vmId: string): Q<ReadonlyArray<HostDevice> | undefined>
  /** Free devices this VM holds (a device another VM holds now is left alone). */
  release(ids: ReadonlyArray<string>, vmId: string): Q<void>
}

/** The disks table, with the two writes that must hold against parallel callers (V1, V2, G2). */
export interface DiskRepository extends Repository<Disk> {
  /**
   * Insert a disk only if it still allows it once its department's and host's locks are held
   * (else it fails with its refusal and inserts nothing), so that parallel creates cannot overrun the quota.
   */
  insertAdmitted(row: Disk, admission: Admission): Effect.Effect<Disk, StoreError | RuleViolation>
  /** Write a patch only if the admission still allows it under its locks (K2: a system disk that grows, G2). */
  updateAdmitted(
    id: string,
    patch: Patch<Disk>,
    admission: Admission,
  ): Effect.Effect<Disk, NotFound | StoreError | RuleViolation>
  /** Give an unattached disk to a VM; undefined (nothing written) when the disk is attached already or gone. */
  claim(id: string, vmId: string, hostId: string): Q<Disk | undefined>
  /** Remove a disk no VM holds; false (nothing removed) when it is attached or gone. */
  removeUnattached(id: string): Q<boolean>
}

export interface ScheduleFilter {
  readonly kind?: "vm-snapshot" | "disk-backup"
  readonly vmId?: string
  readonly diskId?: string
}

export interface VmFilter {
  readonly ids?: ReadonlyArray<string>
  readonly states?: ReadonlyArray<VmState>
  readonly companyId?: string
  readonly departmentId?: string
  readonly ownerId?: string
  readonly hostId?: string
  readonly hostname?: string
  /** true: only the recycle bin; false (default): only VMs outside it. */
  readonly recycled?: boolean
  readonly displayNamePrefix?: string
  /** X3: VMs installed from an image, or holding it in their CD-ROM. */
  readonly imageId?: string
  readonly isoImageId?: string
}

/** A VM with what is created with it, inserted all together or not at all (C8). */
export interface VmBundle {
  readonly vm: Vm
  readonly disks: ReadonlyArray<Disk>
  readonly nics: ReadonlyArray<Nic>
}

/** Counts the manual's exclusivity rules look at (P1, V1, V3, V4, R3). */
export interface VmFacts {
  readonly snapshots: number
  readonly snapshotSchedules: number
  readonly backups: number
  readonly backupSchedules: number
  readonly gpus: number
  readonly usbDevices: number
}

export interface VmRepository {
  get(id: string): Effect.Effect<Vm, NotFound | StoreError>
  /** The VM and its counts (what `facts` reads) in one round trip. */
  getWithFacts(id: string): Effect.Effect<{ readonly vm: Vm; readonly facts: VmFacts }, NotFound | StoreError>
  list(filter?: VmFilter): Q<ReadonlyArray<Vm>>
  /** The list view (L1–L5): search, filters, sort, a page, and totals over everything that matched. */
  query(query: VmQuery): Q<VmPage>
  /** The list with only the fields asked for (L6: the export's columns), for pages of many rows. */
  sheet(query: VmQuery, fields: ReadonlyArray<VmListField>): Q<VmSheetPage>
  /**
   * Insert VMs with their disks and NICs in one transaction; with an admission, only if it still allows them once
   * its department's and host's locks are held (else it fails with its refusal and inserts nothing). A NIC's empty
   * primary IP is IPAM's next free address, a given one is taken as fixed, in the same transaction (C6, C8).
   */
  insertBundles(
    bundles: ReadonlyArray<VmBundle>,
    admission?: Admission,
  ): Effect.Effect<void, StoreError | RuleViolation | IpamRefusal>
  /** Write a patch; with expectedVersion, fail on a concurrent write. Bumps version and updatedAt. */
  update(
    id: string,
    patch: Patch<Omit<Vm, "hostname" | "version" | "updatedAt">>,
    expectedVersion?: number,
  ): Effect.Effect<Vm, NotFound | VersionConflict | StoreError>
  /**
   * The same write, only if the admission still allows it once its department's and host's locks are held (else it
   * fails with its refusal and writes nothing): a resize's quota holds against parallel resizes and creates (K1, G2).
   */
  updateAdmitted(
    id: string,
    patch: Patch<Omit<Vm, "hostname" | "version" | "updatedAt">>,
    expectedVersion: number,
    admission: Admission,
  ): Effect.Effect<Vm, NotFound | VersionConflict | StoreError | RuleViolation>
  /** Remove the VM and, in the same transaction, its NICs, snapshots, schedules, and the disks listed. */
  purge(id: string, diskIdsToDelete: ReadonlyArray<string>): Q<void>
  facts(id: string): Q<VmFacts>
  /** The VM with what its detail view and previews read (counts, lock, names of what it refers to), in one statement. */
  detail(id: string): Effect.Effect<VmDetailReads, NotFound | StoreError>
}

/** What claiming a VM's lock found, read in the same statement as the claim. */
export interface VmLockClaim {
  /** Whether this call took the lock (it was free). */
  readonly claimed: boolean
  /** The VM's record as it is at the claim: fresh when claimed; undefined when the VM does not exist. */
  readonly vm: Vm | undefined
  /** The VM's counts at the claim, when asked for. */
  readonly facts?: VmFacts
  /** The item asked for, as read at the claim (undefined if it does not exist). */
  readonly item?: Snapshot | Disk | undefined
}

/** A row an operation acts on, read in the lock's claim statement (its re-read under the lock costs no trip). */
export interface ItemRef {
  readonly kind: "snapshot" | "disk"
  readonly id: string
}

/** An operation's own row, inserted in its task's statement. */
export type OwnRow =
  | { readonly kind: "snapshot"; readonly row: Snapshot }
  | { readonly kind: "backup"; readonly row: Backup }

/** A change of an operation's own row, written in its task's settling statement. */
export type OwnUpdate =
  | { readonly kind: "snapshot"; readonly id: string; readonly patch: Patch<Snapshot> }
  | { readonly kind: "backup"; readonly id: string; readonly patch: Patch<Backup> }

/** One operation at a time per VM across every agent on this database (G4). */
/** A VM's lock as one holder holds it. */
export interface LockRef {
  readonly vmId: string
  readonly holder: string
}

/** A lock an earlier start of an agent held, as recovery freed it. */
export interface StaleLock {
  readonly vmId: string
  readonly operation: string | null
}

export interface VmLockRepository {
  /** Take the VM's lock for `holder` if it is free, and read the VM (with its counts if asked) in the same statement. */
  claim(
    vmId: string,
    holder: string,
    operation: string,
    at: Date,
    options?: { readonly facts?: boolean; readonly item?: ItemRef },
  ): Q<VmLockClaim>
  /** Free the lock if `holder` holds it. */
  release(vmId: string, holder: string): Q<void>
  /** Who holds the lock now, if anyone. */
  holder(vmId: string): Q<string | undefined>
  /**
   * Free the locks of holders whose name starts with `prefix`, except `keep`'s (recovery after a restart): the locks
   * freed, with the operation each was held for.
   */
  releaseStale(prefix: string, keep: string): Q<ReadonlyArray<StaleLock>>
}

export interface TaskFilter {
  readonly vmId?: string
  readonly parentId?: string
  readonly states?: ReadonlyArray<TaskState>
  /** Any of these operations (`vm.start`, …). */
  readonly operations?: ReadonlyArray<Operation>
  /** Created at or after this moment. */
  readonly since?: Date
  readonly companyId?: string
  readonly departmentId?: string
  readonly userId?: string
  /** Rows skipped (newest first) before the page. */
  readonly offset?: number
  readonly limit?: number
}

export interface TaskRepository {
  get(id: string): Effect.Effect<Task, NotFound | StoreError>
  list(filter?: TaskFilter): Q<ReadonlyArray<Task>>
  /** How many tasks match `filter` (its offset and limit aside). */
  count(filter?: TaskFilter): Q<number>
  /** Insert a task and, in the same statement, the operation's own row if given (both or neither). */
  insert(task: Task, own?: OwnRow): Q<Task>
  /**
   * Insert a running task and, in the same statement, move its VM to where the operation takes it, only if the VM is
   * still at `move.expectedVersion` (both or neither): an operation that moves its VM pays one round trip to start.
   * Answers the task as stored and the VM's new version and time; undefined when another write came first (nothing
   * was written).
   */
  begin(
    task: Task,
    move: VmMove & { readonly expectedVersion: number },
  ): Q<{ readonly task: Task; readonly moved: Omit<VmMoved, "from"> } | undefined>
  update(id: string, patch: Patch<Task>): Effect.Effect<Task, NotFound | StoreError>
  /**
   * Record a task's outcome and, in the same statement, free the VM's lock `lock.holder` holds (G4) and write the
   * operation's own row's change if given: whoever sees the outcome finds the VM free and the row settled, and an
   * operation pays one round trip for all.
   */
  finish(id: string, patch: Patch<Task>, lock?: LockRef, own?: OwnUpdate): Effect.Effect<Task, NotFound | StoreError>
  /**
   * The same, and the VM's move to where its operation leaves it (`move`), in the one statement: whoever sees the VM
   * settled finds it free and its task finished (G4). `moved` says what the move found (nothing: the VM is gone).
   */
  settle(
    id: string,
    patch: Patch<Task>,
    settlement: TaskSettlement,
  ): Effect.Effect<{ readonly task: Task; readonly moved: VmMoved | undefined }, NotFound | StoreError>
}

/** What a task's settling statement writes besides the task. */
export interface TaskSettlement {
  readonly lock?: LockRef | undefined
  readonly own?: OwnUpdate | undefined
  readonly move?: VmMove | undefined
}

/** A VM's move to its settled state (with any other fields), written in its task's settling statement. */
export interface VmMove {
  readonly vmId: string
  readonly patch: Patch<Omit<Vm, "hostname" | "version" | "updatedAt" | "affinityGroupIds">> & {
    readonly state: VmState
  }
}

/** What a VmMove found and wrote: the state it left (for the event), the row's new version and time. */
export interface VmMoved {
  readonly from: VmState
  readonly version: number
  readonly updatedAt: Date
}

/** M1: the VMs' usage samples, raw and rolled up. */
export interface MetricsRepository {
  /** Write one round of samples (a sample already stored for the same VM and moment is kept). */
  insertRaw(samples: ReadonlyArray<MetricSample>): Q<void>
  /** One VM's samples of a tier in [from, to), oldest first. */
  series(vmId: string, tier: MetricTier, from: Date, to: Date): Q<ReadonlyArray<MetricSample>>
  /** Each VM's newest raw sample taken at or after `since`. */
  latest(since: Date): Q<ReadonlyArray<MetricSample>>
  /** Average raw samples into the five-minute buckets that start at or after `from` and end by `until`. */
  rollUp(from: Date, until: Date): Q<number>
  /** Delete a tier's samples older than `before`; yields how many. */
  prune(tier: MetricTier, before: Date): Q<number>
}

/** R1, M2: the alarm history. */
/** #21 G4: published events, kept for replay (`/events?since=`); ids are decimal strings of the table's sequence. */
export interface PlatformEventRepository {
  /** Store a batch in one statement; the ids, in the order given. `events` are JSON-encoded PlatformEvents. */
  append(hostId: string, events: ReadonlyArray<unknown>): Q<ReadonlyArray<string>>
  /** The events after `id`, oldest first, at most `limit`. */
  after(id: string, limit: number): Q<ReadonlyArray<{ readonly id: string; readonly event: unknown }>>
  /** Whether the event `id` is still kept (not pruned). */
  has(id: string): Q<boolean>
  /** Delete the events published before `at`; how many. */
  pruneBefore(at: Date): Q<number>
}

export interface AlarmEventRepository {
  insert(event: AlarmEvent): Q<AlarmEvent>
  /** Newest first. */
  list(filter: {
    readonly vmId?: string
    readonly ruleId?: string
    readonly limit: number
  }): Q<ReadonlyArray<AlarmEvent>>
  /** Each rule's newest event (a rule with none is not in the answer): whether its alarm is on. */
  latestByRule(ruleIds: ReadonlyArray<string>): Q<ReadonlyArray<AlarmEvent>>
}

/** R5: the reclaim job's steps per VM and reclaim date. */
export interface ReclaimNoticeRepository {
  /** Record a step done (a step already recorded for the VM and date is kept). */
  insert(notice: ReclaimNotice): Q<ReclaimNotice>
  /** VMs outside the recycle bin whose reclaim date is within their department's notice window of `now`, or past. */
  due(now: Date): Q<ReadonlyArray<ReclaimCandidate>>
}

/**
 * #16: what every agent of the cluster shares (heartbeat timeouts, the stopped-VM policy), as the first agent (or
 * the last change) set them.
 */
export interface StoredClusterSettings {
  readonly suspectAfterSeconds: number
  readonly downAfterSeconds: number
  readonly stoppedVms: "hold" | "release"
  /** The host whose agent wrote them. */
  readonly setByHostId: string
  readonly updatedAt: Date
}

export interface ClusterSettingsRepository {
  /** The stored settings, or undefined before any agent wrote them. */
  get(): Q<StoredClusterSettings | undefined>
  /** Write these unless a row exists; returns the row as stored (the other agent's when it came first). */
  setIfAbsent(values: StoredClusterSettings): Q<StoredClusterSettings>
  /** Write these over any stored row. */
  set(values: StoredClusterSettings): Q<StoredClusterSettings>
}

/** A VM's sealed password as stored (R6, R11). */
export interface SealedVmSecret {
  readonly vmId: string
  readonly sealed: string
}

/** #16: the VMs' sealed passwords, for re-sealing them under the cluster's key. */
export interface VmSecretRepository {
  /** Every VM's sealed password that does not name key `keyId` (`v2.<keyId>.…`). */
  notSealedUnder(keyId: string): Q<ReadonlyArray<SealedVmSecret>>
  /**
   * Replace a VM's sealed password only while it is still `from` (another agent, or a reset, may have written since);
   * says whether it did. The same secret under another key: neither the VM's version nor its updatedAt change.
   */
  replace(vmId: string, from: string, to: string): Q<boolean>
}

/** M3, D5: what VMs held over time, and their daily cost rows. */
export interface CostRepository {
  /** Each VM's newest holdings record. */
  latestHoldings(): Q<ReadonlyArray<HoldingRecord>>
  insertHoldings(records: ReadonlyArray<HoldingRecord>): Q<void>
  /** The records that bear on [start, end) (each VM's last one at or before start, and those inside), by VM, oldest first. */
  holdingsBetween(start: Date, end: Date, vmId?: string): Q<ReadonlyArray<HoldingRecord>>
  /** Write a day's rows; a row already there for the VM and day is replaced (a recomputation). */
  upsertDaily(
    rows: ReadonlyArray<DailyCost & { readonly companyId: string; readonly departmentId: string }>,
    computedAt: Date,
  ): Q<void>
  /** One VM's rows for the days from `fromDay` to `toDay` (YYYY-MM-DD, both included), oldest first. */
  daily(vmId: string, fromDay: string, toDay: string): Q<ReadonlyArray<DailyCost>>
}

/** Platform-wide counts for the Prometheus exposition (M1). */
export interface FiguresRepository {
  tasks(): Q<ReadonlyArray<{ readonly operation: string; readonly state: TaskState; readonly count: number }>>
  /** VMs outside the recycle bin, by state. */
  vms(): Q<ReadonlyArray<{ readonly state: VmState; readonly count: number }>>
  /** Each host's capacity and what the VMs placed on it (outside the recycle bin) were given. */
  hosts(): Q<
    ReadonlyArray<{
      readonly id: string
      readonly name: string
      readonly cpus: number
      readonly memoryMiB: number
      readonly allocatedCpus: number
      readonly allocatedMemoryMiB: number
      readonly vms: number
    }>
  >
}

export interface QuotaRepository {
  get(departmentId: string): Q<Quota>
  set(quota: Quota): Q<Quota>
  /** What the department's VMs and disks use now (recycled VMs still count until purged). */
  usage(departmentId: string): Q<QuotaUsage>
}

/** Whom a token speaks for, read with the token in one round trip (every API request asks). */
export interface TokenHolder {
  readonly tokenId: string
  readonly userId: string
  readonly role: Role
  readonly companyId: string
  readonly departmentId: string
  readonly expiresAt: Date | null
  readonly lastUsedAt: Date | null
}

export interface ApiTokenRepository extends Repository<ApiToken> {
  findBySecretHash(secretHash: string): Q<ApiToken | undefined>
  /** The user a token belongs to, with the token's expiry; undefined for an unknown token (or a deleted user). */
  findHolder(secretHash: string): Q<TokenHolder | undefined>
  /** Record a use; a use older than the one recorded is ignored (several agents may record at once). */
  markUsed(tokenId: string, at: Date): Q<void>
}

/** The platform's records. One instance per agent; PostgreSQL behind it (the embedded server or DATABASE_URL). */
export class Store extends Context.Service<
  Store,
  {
    readonly dialect: "postgres"
    readonly vms: VmRepository
    readonly tasks: TaskRepository
    readonly vmLocks: VmLockRepository
    readonly quotas: QuotaRepository
    readonly apiTokens: ApiTokenRepository
    readonly companies: Repository<Company>
    readonly departments: Repository<Department>
    readonly users: Repository<User>
    readonly prices: Repository<Price>
    readonly flavors: Repository<Flavor>
    readonly images: Repository<Image>
    readonly hosts: Repository<Host>
    readonly hostDevices: HostDeviceRepository
    readonly affinityGroups: Repository<AffinityGroup>
    /** Its writes keep each VM's disk total (the list's disk column) in the same transaction. */
    readonly disks: DiskRepository
    readonly snapshots: Repository<Snapshot>
    readonly backups: Repository<Backup>
    readonly schedules: Repository<Schedule, ScheduleFilter>
    readonly networks: Repository<Network>
    readonly subnets: Repository<Subnet>
    readonly nics: Repository<Nic>
    /** IPAM's ledger: every address a NIC holds, handed out without ever giving one twice. */
    readonly ipam: IpamRepository
    readonly keyPairs: Repository<KeyPair>
    readonly vmKeyPairs: VmKeyPairRepository
    readonly alarmRules: Repository<AlarmRule>
    readonly metrics: MetricsRepository
    readonly figures: FiguresRepository
    readonly alarmEvents: AlarmEventRepository
    readonly platformEvents: PlatformEventRepository
    readonly costs: CostRepository
    readonly reclaimNotices: ReclaimNoticeRepository
    readonly clusterSettings: ClusterSettingsRepository
    readonly vmSecrets: VmSecretRepository
  }
>()("hyperx/core/store/Store") {}
