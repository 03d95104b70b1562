export { type AcceleratorOptions, detectAccelerator, probeAccelerator } from "./accel.ts"
export { formatOptions, parseArgvLines } from "./argv-lines.ts"
export { BOOT_SECTOR_MIN_MEMORY_MIB, bootSector } from "./boot-sector.ts"
export { argvFor, buildArgv, buildOptions } from "./build-argv.ts"
export { BALLOON_STATS_INTERVAL_S, parseUsbAddress } from "./devices.ts"
export { MACHINE_TYPE, topology } from "./machine.ts"
export { CDROM_NAMES, type DiskNames, diskNames, FIXED_IDS, hostDeviceId, nameToken, nicNames } from "./names.ts"
export type { QemuOption } from "./options.ts"
export {
  Accelerator,
  DEFAULT_BRIDGE_HELPER,
  QemuRuntime,
  type RuntimePaths,
  runtimePaths,
  VncListen,
} from "./runtime.ts"
export { orderedDisks } from "./storage.ts"
export { argvProblems } from "./validate.ts"
