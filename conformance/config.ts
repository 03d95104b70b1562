import type { Effect } from "effect"
import type { Driver, DriverFactory } from "../core/driver/driver.ts"
import type { DeviceSpec, NicBacking, VmSpec } from "../core/driver/spec.ts"
import type { BootSource } from "../core/model/catalog.ts"

/** A call into the guest; it may fail with anything (the suite reports the failure's text). */
export type ProbeOp<A = void> = Effect.Effect<A, unknown>

/**
 * How the suite reaches inside a test VM. Only the driver's author knows how to get into their guest: the fake
 * through its `simulate` handle, QEMU through the guest agent's file API and guest-shutdown, libvirt likewise.
 * Every call gets the driver instance the suite is using and the domain's name.
 */
export interface GuestProbe {
  /**
   * Succeeds once the guest can answer the calls below (booted, agent listening). The suite calls it after every
   * start, reboot or revert it makes, and retries it on failure until `timeouts.bootMs`.
   */
  ready(driver: Driver, name: string): ProbeOp
  /**
   * Creates or replaces a file in the guest. Outside `ramDir` the content must be on the guest's disk when this
   * returns (synced), since the suite may snapshot or cut power right after.
   */
  write(driver: Driver, name: string, path: string, content: string): ProbeOp
  /** A file's content; undefined when it does not exist. */
  read(driver: Driver, name: string, path: string): ProbeOp<string | undefined>
  /** Makes the guest power itself off, as `poweroff` typed inside it; returns once asked, not once off. */
  powerOff(driver: Driver, name: string): ProbeOp
  /** What the guest stores for the user's password (its shadow hash); undefined while none is set. */
  passwordFingerprint(driver: Driver, name: string, user: string): ProbeOp<string | undefined>
  /** The SSH public keys the guest accepts for the user, in file order. */
  authorizedKeys(driver: Driver, name: string, user: string): ProbeOp<ReadonlyArray<string>>
  /** A folder in guest RAM only (a tmpfs): lost by a reboot or reset, brought back by a memory snapshot. */
  readonly ramDir: string
  /** A folder on the guest's system disk: kept across reboots, brought back by any snapshot. */
  readonly diskDir: string
}

/**
 * A network on the host the suite can hot-plug NICs into, to prove a NIC carries traffic (case nics.connectivity):
 * a DHCP server that knows the MAC, and a peer on the same network. Without one that case is skipped.
 */
export interface NetworkProbe {
  /** Make the network ready for a NIC with this MAC: its backing, and the address DHCP will give it. */
  prepare(mac: string): ProbeOp<{ readonly backing: NicBacking; readonly address: string }>
  /** Undo prepare (the reservation, a tap made for it). */
  release(mac: string): ProbeOp
  /** The guest's IPv4 addresses, as the guest itself sees them. */
  addresses(driver: Driver, name: string): ProbeOp<ReadonlyArray<string>>
  /** Whether one ping from the guest to `address` is answered. */
  guestPings(driver: Driver, name: string, address: string): ProbeOp<boolean>
  /** Whether one ping from the peer to `address` is answered. */
  peerPings(address: string): ProbeOp<boolean>
  /** The peer's address. */
  readonly peer: string
}

export interface ConformanceTimeouts {
  /** One driver call (define, start, shutdown, attach, …). */
  readonly operationMs: number
  /** From a start, reboot or revert until `guest.ready` succeeds. */
  readonly bootMs: number
  /** The timeout handed to a graceful shutdown; the suite waits that long plus `operationMs`. */
  readonly gracefulShutdownMs: number
  /** A change the guest made showing in `inspect` and on the event stream. */
  readonly guestChangeMs: number
  /** A console endpoint answering, or refusing once the domain is off. */
  readonly consoleMs: number
  /** A whole case, as a last resort against a hang the other timeouts do not cover. */
  readonly caseMs: number
  /** Pause between two polls of something that changes on its own. */
  readonly pollMs: number
  /**
   * How long the event stream gets to subscribe before the first case runs. The contract's `events` is a hot stream
   * whose subscription happens some time after it starts running (later still when it merges streams).
   */
  readonly subscribeMs: number
}

export interface ConformanceConfig {
  /** A folder for the disk files the suite makes; each run uses a fresh sub-folder and removes it at the end. */
  readonly workDir: string
  /** How the test VMs boot (direct kernel boot for a tiny Linux guest, or from their disk). */
  readonly boot: BootSource
  /** The base image of the test VMs' system disks (each VM gets a copy-on-write overlay); default an empty disk. */
  readonly systemImage?: { readonly path: string; readonly format: "qcow2" | "raw" } | undefined
  /** Size of each test VM's system disk; default 1 (at least the base image's size when there is one). */
  readonly systemDiskGiB?: number | undefined
  /** Memory of each test VM; default 128. */
  readonly memoryMiB?: number | undefined
  /** The NIC every test VM gets (null: none); default user-mode NAT without forwards. */
  readonly nic?: NicBacking | null | undefined
  readonly guest: GuestProbe
  /** A network for the NIC connectivity case; without one it is skipped. */
  readonly network?: NetworkProbe | undefined
  /** What the serial console shows within `bootMs` of connecting (a boot line or a heartbeat); default any text. */
  readonly serialPattern?: RegExp | undefined
  /** The user the guest-agent case sets a password and keys for; default "root". */
  readonly guestUser?: string | undefined
  /** The ISO the media case inserts; default a small file the suite writes in its folder. */
  readonly isoPath?: string | undefined
  /**
   * Host devices the passthrough cases may give to a test VM: a free USB device, a GPU in an IOMMU group (bound to
   * vfio-pci or bindable). Without one the case is skipped as "not provable here", never passed.
   */
  readonly passthrough?: { readonly usb?: DeviceSpec | undefined; readonly gpu?: DeviceSpec | undefined } | undefined
  /** Last changes to every spec the suite defines, for what only the driver's author knows. */
  readonly adjustSpec?: ((spec: VmSpec) => VmSpec) | undefined
  readonly timeouts?: Partial<ConformanceTimeouts> | undefined
  /**
   * Builds an instance of the driver on a second host (its own state and run folders; the same machine will do), the
   * target of the liveMigration cases. A driver that declares liveMigration without it fails those cases.
   */
  readonly migrationTarget?: DriverFactory | undefined
  /** The address the target listens on for migrations; default 127.0.0.1. */
  readonly migrationHost?: string | undefined
  /** Run only these case ids (the host check always runs). */
  readonly only?: ReadonlyArray<string> | undefined
}

/** The config with every default filled in. */
export interface ResolvedConfig {
  readonly workDir: string
  readonly boot: BootSource
  readonly systemImage: { readonly path: string; readonly format: "qcow2" | "raw" } | undefined
  readonly systemDiskGiB: number
  readonly memoryMiB: number
  readonly nic: NicBacking | null
  readonly guest: GuestProbe
  readonly network: NetworkProbe | undefined
  readonly serialPattern: RegExp
  readonly guestUser: string
  readonly isoPath: string | undefined
  readonly passthrough: { readonly usb?: DeviceSpec | undefined; readonly gpu?: DeviceSpec | undefined }
  readonly adjustSpec: (spec: VmSpec) => VmSpec
  readonly timeouts: ConformanceTimeouts
  readonly migrationTarget: DriverFactory | undefined
  readonly migrationHost: string
  readonly only: ReadonlyArray<string> | undefined
}

/** Generous enough for a real guest under TCG on a busy two-core machine; a fast driver never waits for them. */
export const defaultTimeouts: ConformanceTimeouts = {
  operationMs: 60_000,
  bootMs: 180_000,
  gracefulShutdownMs: 60_000,
  guestChangeMs: 60_000,
  consoleMs: 15_000,
  caseMs: 900_000,
  pollMs: 100,
  subscribeMs: 100,
}

export const resolveConfig = (config: ConformanceConfig): ResolvedConfig => ({
  workDir: config.workDir,
  boot: config.boot,
  systemImage: config.systemImage,
  systemDiskGiB: config.systemDiskGiB ?? 1,
  memoryMiB: config.memoryMiB ?? 128,
  nic: config.nic === undefined ? { kind: "user", hostForwards: [] } : config.nic,
  guest: config.guest,
  network: config.network,
  serialPattern: config.serialPattern ?? /\S/,
  guestUser: config.guestUser ?? "root",
  isoPath: config.isoPath,
  passthrough: config.passthrough ?? {},
  adjustSpec: config.adjustSpec ?? ((spec) => spec),
  timeouts: { ...defaultTimeouts, ...definedOnly(config.timeouts ?? {}) },
  migrationTarget: config.migrationTarget,
  migrationHost: config.migrationHost ?? "127.0.0.1",
  only: config.only,
})

const definedOnly = <T extends object>(partial: Partial<T>): Partial<T> =>
  Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined)) as Partial<T>
