import type { Effect, Stream } from "effect"
import type { LibvirtError } from "./errors.ts"
import type { LibvirtEvent } from "./events.ts"
import type { DomState, ListedDomain } from "./parse.ts"

type Call<A = void> = Effect.Effect<A, LibvirtError>

/** Where a device change applies: the running domain, its persistent definition, or both. */
export interface ChangeScope {
  readonly live: boolean
  readonly config: boolean
}

/**
 * The libvirt calls the driver makes, one method per libvirt API it needs. `makeVirshClient` implements it with one
 * virsh process per call; a native RPC client can replace it without touching the driver.
 */
export interface LibvirtClient {
  readonly uri: string
  /** "libvirt 9.0.0, QEMU 7.2.22": the library and the hypervisor libvirtd runs. */
  readonly version: () => Call<string>
  readonly domainState: (name: string) => Call<DomState>
  readonly listDomains: () => Call<ReadonlyArray<ListedDomain>>
  /** The hypervisor process of a running domain, where the host's pid files are readable. */
  readonly pid: (name: string) => Effect.Effect<number | undefined>
  readonly defineXml: (xml: string) => Call
  /** Forgets the definition with its snapshot metadata and managed save (the disk files stay). */
  readonly undefine: (name: string) => Call
  readonly start: (name: string, options?: { readonly paused?: boolean }) => Call
  readonly resume: (name: string) => Call
  readonly suspend: (name: string) => Call
  /** Cuts power (libvirt's "destroy"). */
  readonly destroy: (name: string) => Call
  /** Presses the ACPI power button. */
  readonly shutdown: (name: string) => Call
  /** Presses the ACPI power button and restarts the guest once it is off. */
  readonly reboot: (name: string) => Call
  readonly reset: (name: string) => Call
  /** Saves memory to libvirt's managed save image and stops; the next start resumes from it. */
  readonly managedSave: (name: string, options: { readonly running: boolean }) => Call
  /** Drops the managed save image, if there is one. */
  readonly managedSaveRemove: (name: string) => Call
  readonly dumpXml: (name: string, options?: { readonly inactive?: boolean }) => Call<string>
  readonly attachDevice: (name: string, xml: string, scope: ChangeScope) => Call
  readonly detachDeviceAlias: (name: string, alias: string, scope: ChangeScope) => Call
  /** Inserts (or swaps in) `source`, or ejects with null. */
  readonly changeMedia: (name: string, target: string, source: string | null, scope: ChangeScope) => Call
  readonly snapshotCreate: (name: string, snapshot: string, description: string) => Call
  readonly snapshotRevert: (name: string, snapshot: string, options: { readonly paused: boolean }) => Call
  readonly snapshotDelete: (name: string, snapshot: string) => Call
  readonly snapshotNames: (name: string) => Call<ReadonlyArray<string>>
  readonly snapshotXml: (name: string, snapshot: string) => Call<string>
  /** Starts a push-mode backup job (`backup-begin`), creating the checkpoint described by `checkpointXml` with it. */
  readonly backupBegin: (
    name: string,
    backupXml: string,
    checkpointXml: string,
    options: { readonly reuseExternal: boolean },
  ) => Call
  /** The domain's current job ("None" when idle), or how the last one ended ("Completed", "Failed"). */
  readonly jobType: (name: string, options: { readonly completed: boolean }) => Call<string>
  readonly checkpointNames: (name: string) => Call<ReadonlyArray<string>>
  readonly checkpointXml: (name: string, checkpoint: string) => Call<string>
  readonly checkpointDelete: (name: string, checkpoint: string) => Call
  /** `domstats --raw` of one domain for the given groups ("state", "cpu-total", "balloon", "block", …). */
  readonly domainStats: (name: string, groups: ReadonlyArray<string>) => Call<Readonly<Record<string, string>>>
  /**
   * One guest-agent command (its `return` value). A `secret` call goes through virsh's stdin, so its arguments never
   * show in the process list, and yields nothing.
   */
  readonly agentCommand: (
    name: string,
    execute: string,
    args?: Readonly<Record<string, unknown>>,
    options?: { readonly timeoutS?: number; readonly secret?: boolean },
  ) => Call<unknown>
  /**
   * Live migration, peer to peer: this host's libvirtd connects to `targetUri` (as it reaches the target's libvirtd,
   * e.g. qemu+ssh://host-b/system) and QEMU streams to `migrateUri` (tcp://host:port, the target listens there). The
   * definition goes along (`--persistent`, `xml` replacing the target's one); the source keeps its own, shut off.
   * `copyStorage` copies the disks into the target's files through an NBD server on `disksPort`; `unsafe` is for
   * storage the caller knows both hosts share (libvirt calls a local file system unsafe); `autoConverge` throttles
   * the guest's vCPUs until pre-copy converges.
   */
  readonly migrate: (name: string, targetUri: string, options: MigrateCallOptions) => Call
  /** The running (or, `completed`, the last finished) job of a domain: `domjobinfo`'s fields, names as printed. */
  readonly jobInfo: (name: string, options: { readonly completed: boolean }) => Call<Readonly<Record<string, string>>>
  /** Aborts the domain's running job (a migration fails and the guest runs on where it was). */
  readonly jobAbort: (name: string) => Call
  /** The longest pause allowed at a running migration's switch-over. */
  readonly setMaxDowntime: (name: string, ms: number) => Call
  /** The domain's XML as a migration carries it (`--migratable`). */
  readonly migratableXml: (name: string) => Call<string>
  /** The host's libvirt events, from the moment a run of the stream subscribes. */
  readonly events: Stream.Stream<LibvirtEvent>
}

export interface MigrateCallOptions {
  readonly migrateUri: string
  readonly xml: string
  readonly copyStorage: boolean
  readonly disksPort?: number | undefined
  readonly unsafe: boolean
  readonly autoConverge: boolean
  readonly timeoutMs: number
  /** The migration's bandwidth cap in MiB/s (memory and, with copyStorage, the disks' copy); none when absent. */
  readonly bandwidthMiBps?: number | undefined
}
