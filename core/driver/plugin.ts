import type { DriverFactory } from "./driver.ts"

/**
 * A driver module's entry point (#21): what `hyperx agent --driver <package or path>` loads. The module exports it as
 * its default export, or as a named export `createDriver`; the agent calls it once at start with a context and runs
 * the factory it returns in the agent's scope. The built-in drivers (qemu, libvirt, fake) are entries of this shape.
 */
export type DriverEntry = (context: DriverContext) => DriverPlugin | Promise<DriverPlugin>

/** What the agent hands a driver's entry point. */
export interface DriverContext {
  /** A folder of the agent's data folder for this driver alone (definitions, run files); it exists, owner-only. */
  readonly stateDir: string
  /** The agent's environment, for the driver's own settings (say `MYDRIVER_URI`); never holds the agent's secrets. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** One line for the operator (the agent prints it during start, e.g. "connecting to …"). */
  readonly progress: (text: string) => void
}

export interface DriverPlugin {
  /** Builds the driver in the agent's scope; closing the scope (a stop, an upgrade) must leave the VMs running. */
  readonly factory: DriverFactory
  /** One line for the start banner (e.g. "libvirt 9.0.0 on qemu:///system"); default "<name> <version>". */
  readonly description?: string
  /**
   * Whether its VMs boot from the platform's image files (the tiny guest is built on the first start); default true.
   * A driver that never opens them (a simulator) says false and gets placeholder files.
   */
  readonly usesImageFiles?: boolean
  /**
   * Whether the hypervisor opens the VMs' files as another user (libvirt's QEMU runs as libvirt-qemu): the data
   * folder and its disks/images folders then let others pass through (0711), never list or read; default false.
   */
  readonly filesOpenedByOtherUser?: boolean
}
