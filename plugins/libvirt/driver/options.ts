import { join } from "node:path"
import { DEFAULT_TCG_TB_SIZE_MIB } from "../../qemu/driver/options.ts"
import type { VncListen } from "../xml/options.ts"

export interface LibvirtDriverOptions {
  /** libvirt connection URI; default qemu:///system. */
  readonly uri?: string
  /**
   * A folder on this host for what libvirt needs from us besides the disks: each domain's serial socket and serial
   * log in `<stateDir>/<name>/`. libvirtd (root) binds the socket and virtlogd writes the log, so QEMU's user needs
   * no access to it. Keep it short: a unix socket path holds at most 107 bytes.
   */
  readonly stateDir: string
  /**
   * Live migration: the URI of the target's libvirtd as this host's libvirtd reaches it (peer to peer), from the
   * address the target listens on for the memory stream; default `qemu+ssh://root@<host>/system`.
   */
  readonly migrationPeerUri?: (host: string) => string
  /** Where libvirtd writes `<domain>.pid`; default /run/libvirt/qemu for qemu:///system, else unknown (null). */
  readonly pidDir?: string | null
  /** The driver's name in the registry; default "libvirt". */
  readonly name?: string
  /** "qemu" (TCG, the default: KVM does not work on the lab hosts) or "kvm". */
  readonly domainType?: "qemu" | "kvm"
  /** Where VNC listens: a unix socket libvirt places (default), or loopback TCP with a WebSocket port. */
  readonly vnc?: VncListen
  /**
   * TCG translation cache size in MiB (libvirt ≥ 8.0); default 32 for domain type qemu, as the QEMU driver's: QEMU's
   * own 1 GiB makes a reset guest's next boot several times slower (plugins/qemu/driver/README, "Reboot under TCG").
   */
  readonly tcgTbCacheMiB?: number
  /** The QEMU binary; libvirt's default for x86_64 when left out. */
  readonly emulator?: string
  /** The virsh binary; default "virsh" from PATH. */
  readonly virsh?: string
  /** Per-call timeout of virsh; default 30 s (start, snapshots and reverts get 5 min). */
  readonly callTimeoutMs?: number
  /** How long a graceful reboot waits for the guest before it resets it; default 60 s. */
  readonly rebootTimeoutMs?: number
  /**
   * How long after one of the platform's own operations on a domain its libvirt events are still taken as caused by
   * that operation (libvirt reports them asynchronously); default 2 s.
   */
  readonly quietAfterMs?: number
  /** How long a driver instance waits for its event watcher to subscribe before it is handed out; default 300 ms. */
  readonly eventSettleMs?: number
  /**
   * Caps a live migration's bandwidth in MiB/s (`virsh migrate --bandwidth`: the memory stream and a local-storage
   * move's disk copy), so a move leaves the host's network to the guests; default: no cap. A cap below the rate a
   * guest writes at keeps the disk copy from converging (the send then fails at its diskSyncTimeoutMs).
   */
  readonly migrationBandwidthMiBps?: number
}

export interface ResolvedOptions {
  readonly uri: string
  readonly stateDir: string
  readonly name: string
  readonly domainType: "qemu" | "kvm"
  readonly vnc: VncListen
  readonly tcgTbCacheMiB: number | undefined
  readonly emulator: string | undefined
  readonly virsh: string
  readonly callTimeoutMs: number
  readonly rebootTimeoutMs: number
  readonly quietAfterMs: number
  readonly eventSettleMs: number
  readonly migrationPeerUri: (host: string) => string
  readonly pidDir: string | null | undefined
  readonly migrationBandwidthMiBps: number | undefined
}

export const resolveOptions = (options: LibvirtDriverOptions): ResolvedOptions => ({
  uri: options.uri ?? "qemu:///system",
  stateDir: options.stateDir,
  name: options.name ?? "libvirt",
  domainType: options.domainType ?? "qemu",
  vnc: options.vnc ?? { kind: "unix" },
  tcgTbCacheMiB:
    options.tcgTbCacheMiB ?? ((options.domainType ?? "qemu") === "qemu" ? DEFAULT_TCG_TB_SIZE_MIB : undefined),
  emulator: options.emulator,
  virsh: options.virsh ?? "virsh",
  callTimeoutMs: options.callTimeoutMs ?? 30_000,
  rebootTimeoutMs: options.rebootTimeoutMs ?? 60_000,
  quietAfterMs: options.quietAfterMs ?? 2_000,
  eventSettleMs: options.eventSettleMs ?? 300,
  migrationPeerUri: options.migrationPeerUri ?? ((host) => `qemu+ssh://root@${host}/system`),
  pidDir: options.pidDir,
  migrationBandwidthMiBps: options.migrationBandwidthMiBps,
})

/** A domain's folder in the state folder: its serial socket and log. */
export const domainDir = (options: ResolvedOptions, name: string) => join(options.stateDir, name)
export const serialPaths = (options: ResolvedOptions, name: string) => ({
  socket: join(domainDir(options, name), "serial.sock"),
  log: join(domainDir(options, name), "serial.log"),
})
