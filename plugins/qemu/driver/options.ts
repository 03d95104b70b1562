import { join, resolve } from "node:path"
import type { VmSpec } from "../../../core/driver/spec.ts"
import type { Accelerator, QemuRuntime } from "../argv/runtime.ts"
import type { QgaTimeoutSettings } from "../qga/timeouts.ts"
import type { TimeoutSettings } from "../qmp/timeouts.ts"
import { defaultRunRoot } from "./run-root.ts"

export { defaultRunRoot }

export interface QemuDriverOptions {
  /** Where definitions live (`<stateDir>/domains/<name>.json`); they outlive the agent, like the VMs. */
  readonly stateDir: string
  /**
   * Parent of the per-VM run folders (sockets, pidfile, logs). Unix socket paths hold at most 107 bytes, so it must
   * be short; default `<stateDir>/run`, or a random /tmp folder of the driver's own when that is too long (see
   * run-root.ts). An existing one must be owned by the agent's user and writable by nobody else.
   */
  readonly runDir?: string
  /** Default: detectAccelerator() (KVM only where a probe guest really runs under it). */
  readonly accel?: Accelerator
  readonly qemuBinary?: string
  readonly qemuImg?: string
  /** Serves a stopped domain's disk over QMP for backups; default "qemu-storage-daemon". */
  readonly qemuStorageDaemon?: string
  /** The driver's name in the registry and in its errors; default "qemu". */
  readonly name?: string
  /**
   * TCG translation cache size (default DEFAULT_TCG_TB_SIZE_MIB). QEMU's own, 1 GiB, is never full in a small
   * guest's life, so after a reset the next boot writes over pages that still hold the last boot's translations, on
   * TCG's slow path: the kernel's decompressor ran ~10x slower (README, "Reboot under TCG").
   */
  readonly tcgTbSizeMiB?: number
  /** restrict=on for user-mode NICs. */
  readonly restrictUserNet?: boolean
  /** How often each QEMU pid is checked, besides the QMP socket closing (default 250 ms). */
  readonly processPollMs?: number
  /** How long a graceful reboot waits for the guest to power off before it resets it (default 60 s). */
  readonly rebootTimeoutMs?: number
  /** How long to keep sending guest-sync to a guest agent that may still be starting (default 10 s). */
  readonly agentSyncTimeoutMs?: number
  readonly qmpTimeouts?: TimeoutSettings
  readonly qgaTimeouts?: QgaTimeoutSettings
  /** Run QEMU in this network namespace (`ip netns exec`), where host networking keeps its bridges and taps. */
  readonly netns?: string
  /**
   * Caps each disk mirror of a local-storage migration (bytes/s, QEMU's `speed`), so a move leaves the host's disks
   * and network to the guests; default: no cap. A cap below the rate a guest writes at keeps the copy from converging.
   */
  readonly migrationDiskBytesPerSecond?: number
}

export interface Settings {
  readonly name: string
  readonly stateDir: string
  /** QEMU's network namespace, if any (see QemuDriverOptions.netns). */
  readonly netns: string | undefined
  readonly definitionsDir: string
  readonly runRoot: string
  readonly accel: Accelerator
  readonly qemuBinary: string
  readonly qemuImg: string
  readonly storageDaemon: string
  /** Where backup chains end (see chains.ts). */
  readonly chainsFile: string
  readonly processPollMs: number
  readonly rebootTimeoutMs: number
  readonly agentSyncTimeoutMs: number
  readonly qmpTimeouts: TimeoutSettings
  readonly qgaTimeouts: QgaTimeoutSettings
  /** See QemuDriverOptions.migrationDiskBytesPerSecond. */
  readonly migrationDiskBytesPerSecond: number | undefined
  /** The argv builder's host facts for one VM. */
  readonly runtimeFor: (name: string) => QemuRuntime
}

/** The TCG translation cache a QEMU gets unless the options say otherwise (MiB; README, "Reboot under TCG"). */
export const DEFAULT_TCG_TB_SIZE_MIB = 32

export const resolveSettings = (options: QemuDriverOptions, accel: Accelerator): Settings => {
  const stateDir = resolve(options.stateDir)
  const runRoot = resolve(options.runDir ?? defaultRunRoot(stateDir))
  return {
    name: options.name ?? "qemu",
    stateDir,
    netns: options.netns,
    definitionsDir: join(stateDir, "domains"),
    runRoot,
    accel,
    qemuBinary: options.qemuBinary ?? "qemu-system-x86_64",
    qemuImg: options.qemuImg ?? "qemu-img",
    storageDaemon: options.qemuStorageDaemon ?? "qemu-storage-daemon",
    chainsFile: join(stateDir, "backup-chains.json"),
    processPollMs: options.processPollMs ?? 250,
    rebootTimeoutMs: options.rebootTimeoutMs ?? 60_000,
    agentSyncTimeoutMs: options.agentSyncTimeoutMs ?? 10_000,
    qmpTimeouts: options.qmpTimeouts ?? {},
    qgaTimeouts: options.qgaTimeouts ?? {},
    migrationDiskBytesPerSecond: options.migrationDiskBytesPerSecond,
    runtimeFor: (name) => ({
      runDir: join(runRoot, name),
      accel,
      vnc: { kind: "unix" },
      ...(accel === "tcg" ? { tcgTbSizeMiB: options.tcgTbSizeMiB ?? DEFAULT_TCG_TB_SIZE_MIB } : {}),
      ...(options.restrictUserNet === undefined ? {} : { restrictUserNet: options.restrictUserNet }),
    }),
  }
}

/** Disks that internal snapshots cover: every writable one (all must be qcow2), the system disk first. */
export const snapshotDisks = (spec: VmSpec) => [
  ...spec.disks.filter((disk) => disk.role === "system" && !disk.readonly),
  ...spec.disks.filter((disk) => disk.role !== "system" && !disk.readonly),
]
