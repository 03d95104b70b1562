import { statSync } from "node:fs"
import { dirname } from "node:path"
import type { VmSpec } from "../../../core/driver/spec.ts"

/** Files QEMU opens itself (libvirt relabels them for QEMU's user, but cannot open the folders above them). */
export const filesQemuOpens = (spec: VmSpec): ReadonlyArray<string> => [
  ...spec.disks.map((disk) => disk.path),
  ...(spec.cdrom === null ? [] : [spec.cdrom]),
  ...(spec.boot.kind === "kernel" ? [spec.boot.kernel, spec.boot.initrd] : []),
]

const OTHERS_SEARCH = 0o001

/**
 * The folders above `path` that an unprivileged QEMU cannot pass through. libvirt runs QEMU as its own user
 * (libvirt-qemu on Debian) and chowns each disk file to it at start, but not the folders: every one of them needs
 * the others' search bit (a private mkdtemp folder, 0700, is the usual culprit). Folders that do not exist are skipped.
 */
export const unreachableFolders = (path: string): ReadonlyArray<string> => {
  const blocked: Array<string> = []
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    const mode = statSync(folder, { throwIfNoEntry: false })?.mode
    if (mode !== undefined && (mode & OTHERS_SEARCH) === 0) blocked.push(folder)
    if (folder === dirname(folder)) return blocked
  }
}

/** One sentence per file QEMU could not reach, or none. */
export const accessProblems = (spec: VmSpec): ReadonlyArray<string> =>
  filesQemuOpens(spec).flatMap((file) => {
    const blocked = unreachableFolders(file)
    return blocked.length === 0
      ? []
      : [`QEMU's unprivileged user cannot reach ${file}: give ${blocked.join(", ")} the search bit (chmod o+x)`]
  })
