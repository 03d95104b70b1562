import { Effect } from "effect"
import { hostNow } from "../../core/cluster/membership.ts"
import { Store } from "../../core/store/ports.ts"

/**
 * #16: what a request names whose work runs on one host: a VM (`/vms/{id}/…`, a deleted one in `/recycle-bin/{id}`),
 * a disk (`/disks/{id}`) or a backup (`/backups/{id}/…`). `rest` is what follows the id (empty for the thing itself).
 */
export type Named =
  | { readonly kind: "vm" | "deleted-vm" | "disk" | "backup"; readonly id: string; readonly rest: string | undefined }
  | undefined

const patterns = [
  { kind: "vm", path: /^\/api\/v1\/vms\/([^/]+)(\/.*)?$/ },
  { kind: "deleted-vm", path: /^\/api\/v1\/recycle-bin\/([^/]+)(\/.*)?$/ },
  { kind: "disk", path: /^\/api\/v1\/disks\/([^/]+)(\/.*)?$/ },
  { kind: "backup", path: /^\/api\/v1\/backups\/([^/]+)(\/.*)?$/ },
] as const

/** What the path names, if anything host-bound. */
export const namedBy = (path: string): Named => {
  for (const { kind, path: pattern } of patterns) {
    const match = pattern.exec(path)
    if (match !== null) return { kind, id: match[1] ?? "", rest: match[2] }
  }
  return undefined
}

const vmHostId = (vmId: string | null) =>
  vmId === null ? Effect.succeed(null) : Store.use((store) => store.vms.get(vmId)).pipe(Effect.map((vm) => vm.hostId))

/** A disk's host: its own record's, else its VM's. */
const diskHostId = (diskId: string) =>
  Effect.gen(function* () {
    const disk = yield* Store.use((store) => store.disks.get(diskId))
    return disk.hostId ?? (yield* vmHostId(disk.vmId))
  })

/**
 * The host whose agent does the work for what the request names, as it reads now (with the address its agent answers
 * on): a VM's host; a disk's (its file lies there); a backup's disk's, else its VM's (the backup's files lie beside
 * them). Undefined for an unknown id or a thing on no host: this agent answers (a 404 or the records' change).
 */
export const owningHost = (named: NonNullable<Named>) =>
  Effect.gen(function* () {
    const store = yield* Store
    const hostId = yield* (() => {
      switch (named.kind) {
        case "vm":
        case "deleted-vm":
          return vmHostId(named.id)
        case "disk":
          return diskHostId(named.id)
        case "backup":
          return store.backups
            .get(named.id)
            .pipe(
              Effect.flatMap((backup) =>
                diskHostId(backup.diskId).pipe(Effect.catchTag("NotFound", () => vmHostId(backup.vmId))),
              ),
            )
      }
    })()
    if (hostId === null) return undefined
    return yield* hostNow(yield* store.hosts.get(hostId))
  }).pipe(Effect.orElseSucceed(() => undefined))
