import { Schema } from "effect"
import { PackageLock } from "./packages.ts"

/** What the guest builder hands to tests, benchmarks and `npm start`: all paths absolute, files read-only inputs. */
export const GuestManifest = Schema.Struct({
  /** Short build id: the first 16 hex digits of `hash`; the guest prints it in its boot line. */
  version: Schema.String,
  /** SHA-256 over every input of the build (recipe, packages, host binaries, options). */
  hash: Schema.String,
  kernel: Schema.String,
  initrd: Schema.String,
  cmdline: Schema.String,
  /** A qcow2 base image; boot VMs from an overlay on it (`qemu-img create -b … -F qcow2`), never from it. */
  systemDisk: Schema.String,
  systemDiskFormat: Schema.Literal("qcow2"),
  systemDiskLabel: Schema.String,
  kernelRelease: Schema.String,
  minMemoryMiB: Schema.Number,
  packages: PackageLock,
  modules: Schema.Struct({
    loaded: Schema.Array(Schema.String),
    builtin: Schema.Array(Schema.String),
    missing: Schema.Array(Schema.String),
  }),
  sha256: Schema.Struct({ kernel: Schema.String, initrd: Schema.String, systemDisk: Schema.String }),
})
export type GuestManifest = typeof GuestManifest.Type

export const GuestManifestJson = Schema.fromJsonString(GuestManifest)
