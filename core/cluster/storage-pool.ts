import type { Disk } from "../model/storage.ts"

export type StoragePool = "shared" | "local"

/** The pool a disk is in (R12): shared when its file lies under the cluster's shared directory, else local. */
export const poolOf = (disk: Pick<Disk, "path">, sharedStorageDir: string | undefined): StoragePool =>
  sharedStorageDir !== undefined && disk.path.startsWith(`${sharedStorageDir.replace(/\/+$/, "")}/`)
    ? "shared"
    : "local"
