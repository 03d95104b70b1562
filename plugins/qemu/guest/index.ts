export { buildGuest, defaultGuestCacheDir, type GuestBuildOptions } from "./build.ts"
export { GuestBuildError } from "./errors.ts"
export { GuestManifest } from "./manifest.ts"
export { PackageLock, PackageRef } from "./packages.ts"
export {
  GUEST_BOOT_LINE,
  GUEST_CMDLINE,
  GUEST_HEARTBEAT,
  GUEST_MIN_MEMORY_MIB,
  heartbeatsIn,
  SYSTEM_DISK_LABEL,
} from "./recipe.ts"
