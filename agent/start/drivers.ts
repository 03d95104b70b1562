// The agent's driver (#21): a built-in one (qemu, libvirt, fake), or a driver module loaded by path or package name.
// All of them are entries of core/driver/plugin.ts's shape; the agent calls the one chosen with its context.
import { mkdirSync } from "node:fs"
import { basename, extname, join } from "node:path"
import { Effect } from "effect"
import type { Capability } from "../../core/driver/capabilities.ts"
import { capabilities } from "../../core/driver/capabilities.ts"
import type { Driver, DriverFactory } from "../../core/driver/driver.ts"
import type { DriverContext, DriverEntry, DriverPlugin } from "../../core/driver/plugin.ts"
import { fakeDriverFactory } from "../../plugins/fake/index.ts"
import { makeLibvirtDriver } from "../../plugins/libvirt/index.ts"
import { detectAccelerator } from "../../plugins/qemu/argv/accel.ts"
import { makeQemuDriver } from "../../plugins/qemu/driver/driver.ts"
import type { BuiltInDriver, DriverChoice } from "./config.ts"
import type { DataFolder } from "./data-folder.ts"
import { loadDriverModule, resolveDriverModule } from "./driver-module.ts"
import { findProgram, missingForQemu, qemuVersion } from "./hypervisor.ts"
import { StartError } from "./start-error.ts"

/** QEMU on this host; with host networking in a namespace (#15 HYPERX_NETNS), QEMU runs in it to reach its taps. */
const qemuEntry =
  (netns: string | undefined): DriverEntry =>
  async (context) => {
    const missing = missingForQemu()
    if (missing !== undefined) throw new StartError(missing)
    const accel = await Effect.runPromise(detectAccelerator())
    const factory: DriverFactory = makeQemuDriver({
      stateDir: context.stateDir,
      accel,
      ...(netns === undefined ? {} : { netns }),
    })
    return { factory, description: `QEMU ${qemuVersion()} (${accel === "kvm" ? "KVM" : "TCG, no usable KVM"})` }
  }

/**
 * libvirtd's QEMU (qemu:///system unless HYPERX_LIBVIRT_URI says otherwise), domains of type qemu (TCG). Live
 * migration reaches the target's libvirtd at HYPERX_LIBVIRT_MIGRATION_URI with `{host}` replaced by the target's
 * address (default qemu+ssh://root@{host}/system); HYPERX_LIBVIRT_PID_DIR is where that libvirtd writes pid files.
 */
const libvirtEntry: DriverEntry = (context) => {
  if (findProgram("virsh", context.env) === undefined) {
    throw new StartError(
      "The libvirt driver needs virsh and a running libvirtd: sudo apt-get install -y libvirt-daemon-system " +
        "libvirt-clients (then start libvirtd).",
    )
  }
  const uri = context.env.HYPERX_LIBVIRT_URI ?? "qemu:///system"
  const peer = context.env.HYPERX_LIBVIRT_MIGRATION_URI ?? "qemu+ssh://root@{host}/system"
  const pidDir = context.env.HYPERX_LIBVIRT_PID_DIR
  return {
    factory: makeLibvirtDriver({
      stateDir: context.stateDir,
      uri,
      migrationPeerUri: (host) => peer.replaceAll("{host}", host),
      ...(pidDir === undefined ? {} : { pidDir }),
    }),
    description: `libvirt on ${uri} (domains of type qemu)`,
    filesOpenedByOtherUser: true,
  }
}

const fakeEntry =
  (stateFile: string): DriverEntry =>
  () => ({
    factory: fakeDriverFactory({ stateFile }),
    description: "fake (in memory: no real VMs run; for trying the API only)",
    usesImageFiles: false,
  })

/** A driver module's own folder in the data folder: drivers/<its file or package name>. */
const moduleStateDir = (folder: DataFolder, specifier: string) =>
  join(folder.root, "drivers", basename(specifier, extname(specifier)).replace(/[^\w.-]/g, "_") || "driver")

export interface ChosenDriver {
  readonly plugin: DriverPlugin
  /** What the `--driver` value named: a built-in's name, or the module's file. */
  readonly source: string
}

/** Calls the chosen driver's entry with its context (its state folder made owner-only first). */
export const chooseDriver = async (
  choice: DriverChoice,
  folder: DataFolder,
  env: DriverContext["env"],
  progress: (text: string) => void,
  options: { readonly netns?: string | undefined; readonly cwd?: string } = {},
): Promise<ChosenDriver> => {
  const cwd = options.cwd ?? process.cwd()
  const builtIns: Record<BuiltInDriver, { readonly entry: DriverEntry; readonly stateDir: string }> = {
    qemu: { entry: qemuEntry(options.netns), stateDir: folder.qemuStateDir },
    libvirt: { entry: libvirtEntry, stateDir: join(folder.root, "libvirt") },
    fake: { entry: fakeEntry(folder.fakeStateFile), stateDir: join(folder.root, "fake") },
  }
  if (typeof choice === "string") {
    const { entry, stateDir } = builtIns[choice]
    if (choice !== "fake") mkdirSync(stateDir, { recursive: true, mode: 0o700 })
    return { plugin: await entry({ stateDir, env, progress }), source: choice }
  }
  const file = resolveDriverModule(choice.module, cwd)
  const stateDir = moduleStateDir(folder, choice.module)
  mkdirSync(stateDir, { recursive: true, mode: 0o700 })
  return { plugin: await loadDriverModule(file, { stateDir, env, progress }), source: file }
}

/** The driver's support matrix as the start banner prints it: what it declares, and what it does not. */
export const supportLines = (driver: Driver): ReadonlyArray<string> => {
  const has = (capability: Capability) => driver.capabilities.has(capability)
  const declared = capabilities.filter(has)
  const lacking = capabilities.filter((capability) => !has(capability))
  return [
    `  driver       ${driver.name} ${driver.version}`,
    `    supports   ${declared.join(", ") || "nothing"}`,
    ...(lacking.length === 0 ? [] : [`    lacks      ${lacking.join(", ")}`]),
  ]
}
