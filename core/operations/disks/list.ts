import { Effect } from "effect"
import { scopeFilter } from "../../auth/scope.ts"
import type { Disk } from "../../model/storage.ts"
import type { Actor } from "../../rules/context.ts"
import { Store } from "../../store/ports.ts"

/** A disk in its department's list (V1–V3): with its owner's name and the VM holding it, if any. */
export interface DiskListing {
  readonly disk: Disk
  readonly ownerName: string | null
  readonly vm: { readonly id: string; readonly displayName: string } | null
}

export interface DiskListOptions {
  /** Only disks no VM holds (what V1 offers to attach). */
  readonly unattached?: boolean
  /** A superadmin's choice of department; others see their own scope. */
  readonly departmentId?: string
}

/**
 * The disks the actor may see (a user: their own; an admin: their department's; a superadmin: all, or one
 * department's), in the order they were created, each with its owner and attachment.
 */
export const listDisks = Effect.fn("operations.listDisks")(function* (actor: Actor, options: DiskListOptions = {}) {
  const store = yield* Store
  const scope = scopeFilter(actor)
  const department =
    actor.role === "superadmin" && options.departmentId !== undefined ? { departmentId: options.departmentId } : {}
  const disks = yield* store.disks.list({
    ...department,
    ...scope,
    ...(options.unattached === true ? { vmId: null } : {}),
  })
  const vmIds = [...new Set(disks.flatMap((disk) => (disk.vmId === null ? [] : [disk.vmId])))]
  const ownerIds = [...new Set(disks.map((disk) => disk.ownerId))]
  const [vms, owners] = yield* Effect.all(
    [
      vmIds.length === 0 ? Effect.succeed([]) : store.vms.list({ ids: vmIds }),
      Effect.forEach(ownerIds, (id) => Effect.option(store.users.get(id)), { concurrency: 4 }),
    ],
    { concurrency: "unbounded" },
  )
  const vmById = new Map(vms.map((vm) => [vm.id, { id: vm.id, displayName: vm.displayName }]))
  const nameById = new Map(
    owners.flatMap((owner) => (owner._tag === "Some" ? [[owner.value.id, owner.value.name] as const] : [])),
  )
  return disks.map(
    (disk): DiskListing => ({
      disk,
      ownerName: nameById.get(disk.ownerId) ?? null,
      vm: disk.vmId === null ? null : (vmById.get(disk.vmId) ?? null),
    }),
  )
})
