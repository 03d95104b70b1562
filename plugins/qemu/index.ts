/**
 * hyperx's QEMU plug-in: a Driver that speaks QMP and the guest agent directly to detached QEMU processes, and the
 * tiny test guest that its tests, benchmarks and `npm start` boot.
 */
export { type Accelerator, detectAccelerator } from "./argv/index.ts"
export {
  isQemuDriver,
  makeQemuDriver,
  QEMU_CAPABILITIES,
  type QemuDriver,
} from "./driver/driver.ts"
export { defaultRunRoot, type QemuDriverOptions } from "./driver/options.ts"
export {
  buildGuest,
  GUEST_BOOT_LINE,
  GUEST_HEARTBEAT,
  type GuestBuildOptions,
  GuestManifest,
} from "./guest/index.ts"

import type { DriverFactory } from "../../core/driver/driver.ts"
import { makeQemuDriver } from "./driver/driver.ts"
import type { QemuDriverOptions } from "./driver/options.ts"

/** The driver as a plain DriverFactory, for the registry and the conformance suite. */
export const qemuDriverFactory = (options: QemuDriverOptions): DriverFactory => makeQemuDriver(options)
