import { Schema } from "effect"
import { Id, MinorUnits, NonNegativeInt, PositiveInt, Timestamp } from "./common.ts"

/** A flavor (规格): the CPU and memory a VM gets, and its price (C3, K1, M3). */
export const Flavor = Schema.Struct({
  id: Id,
  name: Schema.String,
  cpus: PositiveInt,
  memoryMiB: PositiveInt,
  gpuAllowed: Schema.Boolean,
  perDay: MinorUnits,
  createdAt: Timestamp,
  /** G1: retired by a superadmin: no new VM gets it (flavor-retired); absent or null while in use. */
  retiredAt: Schema.optionalKey(Schema.NullOr(Timestamp)),
})
export type Flavor = typeof Flavor.Type

export const OsFamily = Schema.Literals(["linux", "windows"])
export type OsFamily = typeof OsFamily.Type

export const ImageFormat = Schema.Literals(["qcow2", "raw", "iso"])
export type ImageFormat = typeof ImageFormat.Type

/** How an image boots: from its own boot loader, or a kernel and initrd given to the hypervisor. */
export const BootSource = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("disk") }),
  Schema.Struct({
    kind: Schema.Literal("kernel"),
    kernel: Schema.String,
    initrd: Schema.String,
    cmdline: Schema.String,
  }),
])
export type BootSource = typeof BootSource.Type

export const Image = Schema.Struct({
  id: Id,
  name: Schema.String,
  osFamily: OsFamily,
  osName: Schema.String,
  format: ImageFormat,
  /** Path of the image file on the host (or the shared image store). */
  location: Schema.String,
  boot: BootSource,
  minCores: PositiveInt,
  minDiskGiB: PositiveInt,
  perDay: MinorUnits,
  /** Null: a public image; else only this department sees it. */
  departmentId: Schema.NullOr(Id),
  /** Set when the image was made from a VM (K3). */
  sourceVmId: Schema.NullOr(Id),
  /** Whether VMs installed from it have a password we can show (R6). */
  passwordManaged: Schema.Boolean,
  sizeBytes: NonNegativeInt,
  /** X3, #20: hex sha256 of an uploaded image's bytes; absent or null for images registered otherwise. */
  sha256: Schema.optionalKey(Schema.NullOr(Schema.String)),
  createdAt: Timestamp,
  /** G1: retired by a superadmin: no new VM is installed from it (image-retired); absent or null while in use. */
  retiredAt: Schema.optionalKey(Schema.NullOr(Timestamp)),
})
export type Image = typeof Image.Type
