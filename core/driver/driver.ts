import type { Effect, Stream } from "effect"
import type { Capabilities } from "./capabilities.ts"
import type { DriverError } from "./errors.ts"
import type { DeviceSpec, DiskSpec, NicSpec, VmSpec } from "./spec.ts"

/** The hypervisor's view of a domain's power. */
export type PowerState = "running" | "paused" | "stopped" | "crashed"

export interface DomainInfo {
  readonly name: string
  readonly power: PowerState
  /** The hypervisor process, where there is one per VM. */
  readonly pid?: number
}

/**
 * A power change the platform did not ask for: the guest powered itself off, it crashed, something outside
 * started or reset it, or the hypervisor process died. Drivers never report changes they were asked to make.
 */
export interface DriverEvent {
  readonly name: string
  readonly kind: "powered-off" | "crashed" | "started" | "reset" | "process-exited"
  readonly detail: string
  readonly at: Date
}

export interface ShutdownOptions {
  /** Cut power at once instead of asking the guest (B1 "force"). */
  readonly force: boolean
  /** How long a graceful shutdown may take before power is cut. */
  readonly timeoutMs: number
}

/** Where a console listens on the host; the agent bridges it to WebSocket clients. */
export type ConsoleEndpoint =
  | { readonly kind: "tcp"; readonly host: string; readonly port: number }
  | { readonly kind: "unix"; readonly path: string }

export interface SnapshotInfo {
  readonly name: string
  readonly withMemory: boolean
  readonly sizeBytes: number
  readonly createdAt: Date
}

export interface BackupOptions {
  /** The chain this backup starts: the name of the dirty bitmap that tracks changes after it. */
  readonly chain: string
}

export interface IncrementalOptions extends BackupOptions {
  /** The previous backup of the chain (full or incremental): the new file's backing file. */
  readonly previous: string
}

export interface BackupResult {
  readonly sizeBytes: number
}

export interface VmStats {
  readonly cpuPercent: number
  readonly memoryTotalBytes: number
  readonly memoryUsedBytes: number
  readonly disks: ReadonlyArray<{ readonly id: string; readonly readBytes: number; readonly writeBytes: number }>
  /** Per-NIC byte counters since the NIC appeared, when the driver can read them (tap counters, guest agent). */
  readonly nics?: ReadonlyArray<{ readonly id: string; readonly rxBytes: number; readonly txBytes: number }>
  /**
   * Whether the guest runs its agent (it holds its end of the agent's channel open), as the hypervisor tells without
   * asking the agent; undefined when the driver cannot tell. The core takes it as "monitoring installed" (R1, M1).
   */
  readonly guestAgentRunning?: boolean
  readonly at: Date
}

export interface FileSystemUsage {
  readonly mountpoint: string
  readonly usedBytes: number
  readonly totalBytes: number
}

export interface VolumeSpec {
  readonly path: string
  readonly format: "qcow2" | "raw"
  readonly sizeGiB: number
  /** Base image for a copy-on-write overlay (the system disk of a VM made from an image). */
  readonly backingPath?: string
  readonly backingFormat?: "qcow2" | "raw"
}

/** Where the guest's disks live during a migration: on storage both hosts see, or on the source host only. */
export type MigrationStorage = "shared" | "local"

/**
 * How memory moves. `converge` (the default) is the driver's path that never delivers a broken guest: a downtime
 * limit, auto-converge, and post-copy when pre-copy does not converge, where the hypervisor tracks dirty memory
 * reliably (the QEMU driver's README says what it does under TCG). `precopy` never switches to post-copy;
 * `pause-first` stops the guest and copies its memory once.
 */
export type MigrationMode = "converge" | "precopy" | "pause-first"

/** What a target listens on for one incoming migration: the memory stream, and the disks for local storage. */
export interface IncomingEndpoint {
  readonly host: string
  readonly port: number
  /** The NBD server the source mirrors the disks into (local storage only). */
  readonly nbdPort?: number
}

export interface IncomingOptions {
  readonly storage: MigrationStorage
  /** The address of this host the source reaches (e.g. 127.0.0.1, or the host's migration network address). */
  readonly listenHost: string
}

export interface SendOptions {
  readonly storage: MigrationStorage
  readonly mode?: MigrationMode
  /** The longest pause allowed for the switch-over (default 20 ms). */
  readonly downtimeLimitMs?: number
  /**
   * Local storage: how long the disk copy may take to catch up with the guest's writes before the send fails and the
   * guest runs on here (the driver's default; the QEMU driver's is 30 min).
   */
  readonly diskSyncTimeoutMs?: number
}

/** One sample of a migration's progress on the source. */
export interface MigrationProgress {
  readonly name: string
  readonly phase: "disks" | "memory" | "post-copy" | "completed" | "failed" | "cancelled"
  readonly transferredBytes: number
  readonly remainingBytes: number
  readonly dirtyPagesRate: number
  readonly expectedDowntimeMs: number
  readonly at: Date
}

export interface MigrationResult {
  /** The hypervisor's own figure for the pause at the switch-over. */
  readonly downtimeMs: number
  readonly totalMs: number
  readonly transferredBytes: number
  /**
   * How the memory went: pre-copy, post-copy (after which the source can no longer take the guest back), or
   * pause-first (the guest stopped for the whole copy).
   */
  readonly path: "precopy" | "post-copy" | "pause-first"
}

type Op<A = void> = Effect.Effect<A, DriverError>

/**
 * The contract every hypervisor plug-in implements. The core decides whether an operation is allowed;
 * a driver only carries it out. Optional groups exist exactly when the matching capability is declared.
 */
export interface Driver {
  readonly name: string
  readonly version: string
  readonly capabilities: Capabilities

  /** Create or replace the definition of a stopped domain. */
  define(spec: VmSpec): Op
  /** Forget a stopped domain; the disks stay (the core deletes files it owns). Idempotent. */
  undefine(name: string): Op
  /** Power on. Starting a running domain is a no-op. */
  start(name: string): Op
  /** Power off, gracefully (then forced after the timeout) or at once. Stopping a stopped domain is a no-op. */
  shutdown(name: string, options: ShutdownOptions): Op
  /** Reboot, gracefully or by a reset. */
  reboot(name: string, options: { readonly force: boolean }): Op
  inspect(name: string): Op<DomainInfo>
  list(): Op<ReadonlyArray<DomainInfo>>
  /** Changes the platform did not cause, for every domain of this driver. */
  readonly events: Stream.Stream<DriverEvent>

  /** Disk files on this host: a copy-on-write overlay of an image, or an empty disk. */
  readonly volumes: {
    create(volume: VolumeSpec): Op
    /** Delete a disk file; deleting one that does not exist is a no-op. */
    remove(path: string): Op
  }

  readonly disks?: {
    attach(name: string, disk: DiskSpec): Op
    detach(name: string, diskId: string): Op
  }
  readonly nics?: {
    attach(name: string, nic: NicSpec): Op
    detach(name: string, nicId: string): Op
  }
  readonly media?: {
    insert(name: string, isoPath: string): Op
    eject(name: string): Op
  }
  /**
   * Passthrough (capabilities usbPassthrough, pciPassthrough): a USB device hot-plugs into a running domain or joins
   * the definition of a stopped one; a GPU (vfio-pci, bound by the core through the host's sysfs first) only joins a
   * stopped domain's definition. Attaching what is attached (same spec) and detaching what is not there succeed.
   */
  readonly hostDevices?: {
    attach(name: string, device: DeviceSpec): Op
    detach(name: string, deviceId: string): Op
  }
  readonly snapshots?: {
    create(name: string, snapshot: string, options: { readonly withMemory: boolean }): Op
    revert(name: string, snapshot: string): Op
    remove(name: string, snapshot: string): Op
    list(name: string): Op<ReadonlyArray<SnapshotInfo>>
  }
  /**
   * Disk backups (capability diskBackup): a full copy into a file of its own, then increments holding only
   * what changed since the previous backup of the same chain (a persistent dirty bitmap tracks the changes).
   * Targets are qcow2 files; an increment's backing file is the previous backup, so a chain reads as one disk.
   */
  readonly backups?: {
    full(name: string, diskId: string, target: string, options: BackupOptions): Op<BackupResult>
    incremental(name: string, diskId: string, target: string, options: IncrementalOptions): Op<BackupResult>
    /** Stop tracking changes for a chain (its backups were deleted); dropping an unknown chain is a no-op. */
    dropChain(name: string, diskId: string, chain: string): Op
    /** Write the disk that a backup (with its chain) holds into a new standalone volume. */
    restore(backup: string, target: VolumeSpec): Op
    /**
     * A backup into `target` whose caller went away (the agent stopped during the copy, #14): the hypervisor's copy
     * is waited for if it still runs and its leftovers are cleared; its result when it completed as asked (an
     * increment backed by `previous`, or a full backup when `previous` is absent), undefined when it failed, never
     * started or cannot be told. Optional: without it, every such backup counts as partial.
     */
    settle?(name: string, target: string, previous: string | undefined): Op<BackupResult | undefined>
  }
  /** Freeze and thaw the guest's file systems around a snapshot or backup (through the guest agent). */
  readonly quiesce?: {
    freeze(name: string): Op<number>
    thaw(name: string): Op<number>
  }
  readonly console?: {
    vnc(name: string): Op<ConsoleEndpoint>
    serial(name: string): Op<ConsoleEndpoint>
  }
  readonly guestAgent?: {
    ping(name: string): Op
    setPassword(name: string, user: string, password: string): Op
    setAuthorizedKeys(name: string, user: string, keys: ReadonlyArray<string>): Op
    fileSystems(name: string): Op<ReadonlyArray<FileSystemUsage>>
  }
  readonly stats?: (name: string) => Op<VmStats>
  /**
   * Live migration between two instances of the driver on two hosts (capability liveMigration). The core runs it:
   * target `prepareIncoming` → source `send` → target `finishIncoming` → source `release`; on any failure, target
   * `abortIncoming` and source `rollback`. Until `release` the source keeps the guest's state, so a failure before
   * it leaves the VM running on the source (except after post-copy took over: then the target holds the only copy).
   */
  readonly migration?: {
    /**
     * Target: defines the domain from `spec` (disk paths of this host; for local storage the caller made the disk
     * files first, same virtual size) and starts the hypervisor waiting for the incoming state.
     */
    prepareIncoming(spec: VmSpec, options: IncomingOptions): Op<IncomingEndpoint>
    /**
     * Source: sends the running domain (its disks too, for local storage) to the endpoint. On success the guest
     * runs on the target and the source holds it paused until `release` or `rollback`. On failure the guest runs
     * here as before. Progress is published on `progress` while it runs.
     */
    send(name: string, endpoint: IncomingEndpoint, options: SendOptions): Op<MigrationResult>
    /** Source: samples of running migrations, for every domain of this instance. */
    readonly progress: Stream.Stream<MigrationProgress>
    /** Source: stops a running `send`, which then fails; the guest keeps running here. No migration → no-op. */
    cancel(name: string): Op
    /** Target: the guest runs here and is proven alive (serial output and a guest-agent ping, as it has them). */
    finishIncoming(name: string): Op
    /** Target: ends the incoming hypervisor (and its disk export) and forgets the domain. Idempotent. */
    abortIncoming(name: string): Op
    /** Source: the move is proven: the paused source process ends and the domain is forgotten here. */
    release(name: string): Op
    /** Source: the move failed after `send` succeeded: the guest resumes here. Running here → no-op. */
    rollback(name: string): Op
  }
}

/** The contract's optional groups. */
export type DriverGroup =
  | "disks"
  | "nics"
  | "media"
  | "hostDevices"
  | "snapshots"
  | "backups"
  | "quiesce"
  | "console"
  | "guestAgent"
  | "stats"
  | "migration"

/** A driver that offers every optional group (the fake, QEMU). */
export type DriverWithEveryGroup = Driver & Required<Pick<Driver, DriverGroup>>

/** Builds a driver inside a scope: the scope owns its sockets and watchers, never the VMs' processes. */
export type DriverFactory<R = never> = Effect.Effect<Driver, DriverError, R | import("effect").Scope.Scope>
