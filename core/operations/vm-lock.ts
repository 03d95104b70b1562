import { randomUUID } from "node:crypto"
import { Context, Effect, Layer } from "effect"
import { HostConfig } from "../config.ts"
import { NotFound, type RuleViolation, type StoreError } from "../errors.ts"
import type { OsFamily } from "../model/catalog.ts"
import type { Operation } from "../model/operation.ts"
import type { Disk, Snapshot } from "../model/storage.ts"
import type { Vm } from "../model/vm.ts"
import type { VmRecordContext } from "../rules/context.ts"
import { vmBusy } from "../rules/lifecycle.ts"
import { violation } from "../rules/rule.ts"
import { type ItemRef, type LockRef, type StaleLock, Store, type VmFacts } from "../store/ports.ts"
import { now } from "./clock.ts"
import { untilWritten } from "./until-written.ts"

/** A lock taken: the VM (its counts and the item, if asked) as read in the same statement as the claim. */
export interface HeldLock {
  readonly vm: Vm
  readonly facts?: VmFacts
  /** The item asked for; undefined if it does not exist. */
  readonly item?: Snapshot | Disk | undefined
}

/** A VM as this agent last read it under its lock, with the counts and image traits read with it, if any. */
export interface RecalledVm {
  readonly vm: Vm
  readonly facts?: VmFacts
  readonly image?: { readonly osFamily: OsFamily; readonly passwordManaged: boolean }
}

/** How many VMs' last reads an agent keeps (the oldest is forgotten first): about 1 KiB each. */
const recallLimit = 4096

/**
 * One operation at a time per VM, across every agent on the database (G4): the lock is the VM's row in vm_locks,
 * claimed by a conditional upsert that reads the VM in the same round trip. This agent also remembers what it holds,
 * to refuse without a round trip and to answer `isHeld` at once. A holder is named `<hostId>:<start id>`: recovery
 * frees the locks an earlier start of this host's agent left behind (a crash), so none stays held for ever.
 */
export class VmLocks extends Context.Service<
  VmLocks,
  {
    /** This agent's name on the locks it takes. */
    readonly holder: string
    /**
     * Take the VM's lock or fail with vm-busy (NotFound if the VM is gone); the caller must release it. The claim
     * reads the VM, and its counts and the operation's item if asked.
     */
    readonly acquire: (
      operation: Operation,
      context: VmRecordContext,
      options?: { readonly facts?: boolean; readonly item?: ItemRef | undefined },
    ) => Effect.Effect<HeldLock, RuleViolation | NotFound | StoreError, Store>
    /** Free the VM's lock if this agent holds it; a failing database is retried, then logged. */
    readonly release: (vmId: string) => Effect.Effect<void, never, Store>
    /**
     * Write the outcome that frees the VM's lock in the same statement (`write` gets the lock to free, or nothing if
     * this agent does not hold it); once written, the lock is known free here too. A failed write keeps it held.
     */
    readonly freeing: <A, E, R>(
      vmId: string,
      write: (lock: LockRef | undefined) => Effect.Effect<A, E, R>,
    ) => Effect.Effect<A, E, R>
    /** Whether this agent holds the VM's lock now. */
    readonly isHeld: (vmId: string) => boolean
    /** Free the locks an earlier start of this host's agent left (recovery); returns them, with their operations. */
    readonly releaseStale: Effect.Effect<ReadonlyArray<StaleLock>, StoreError, Store>
    /**
     * The VM as this agent last read it under its lock (or settled it since). The runner's first check may use it
     * instead of a read: only the check under the lock, on the claim's fresh read, decides (see claimVm).
     */
    readonly recalled: (vmId: string) => RecalledVm | undefined
    /** Keep a fresh read of a VM for recalled. */
    readonly remember: (read: RecalledVm) => void
    /** The VM as written since (its counts and image traits kept), if one is remembered. */
    readonly rememberVm: (vm: Vm) => void
    readonly forget: (vmId: string) => void
  }
>()("hyperx/core/operations/VmLocks") {
  static readonly layer = Layer.effect(
    VmLocks,
    Effect.gen(function* () {
      const config = yield* HostConfig
      const prefix = `${config.hostId}:`
      const holder = `${prefix}${randomUUID()}`
      const held = new Set<string>()
      const recent = new Map<string, RecalledVm>()
      const remember = (read: RecalledVm) => {
        recent.delete(read.vm.id)
        recent.set(read.vm.id, read)
        if (recent.size > recallLimit) {
          const oldest = recent.keys().next()
          if (oldest.done !== true) recent.delete(oldest.value)
        }
      }
      const release = (vmId: string) =>
        Effect.gen(function* () {
          if (!held.has(vmId)) return
          const store = yield* Store
          // While the database is away the lock is freed as soon as it is back, not left for a restart (#14).
          yield* untilWritten(`freeing the lock of VM ${vmId}`, store.vmLocks.release(vmId, holder)).pipe(
            Effect.catch((error) => Effect.logError(`could not free the lock of VM ${vmId}; recovery frees it`, error)),
          )
          held.delete(vmId)
        })
      return VmLocks.of({
        holder,
        acquire: (operation, context, options = {}) =>
          Effect.gen(function* () {
            const id = context.vm.id
            if (held.has(id)) return yield* violation(operation, vmBusy, context)
            held.add(id)
            const store = yield* Store
            const facts = options.facts === true
            const item = options.item
            const claim = yield* store.vmLocks
              .claim(id, holder, operation, yield* now, item === undefined ? { facts } : { facts, item })
              .pipe(Effect.onError(() => Effect.sync(() => held.delete(id))))
            if (claim.claimed && claim.vm !== undefined) {
              const counts = claim.facts === undefined ? {} : { facts: claim.facts }
              return item === undefined ? { vm: claim.vm, ...counts } : { vm: claim.vm, ...counts, item: claim.item }
            }
            held.delete(id)
            if (claim.vm === undefined) return yield* new NotFound({ resource: "vm", id })
            return yield* violation(operation, vmBusy, { ...context, vm: claim.vm })
          }),
        release,
        freeing: (vmId, write) =>
          held.has(vmId)
            ? Effect.tap(write({ vmId, holder }), () => Effect.sync(() => held.delete(vmId)))
            : write(undefined),
        isHeld: (vmId) => held.has(vmId),
        releaseStale: Store.use((store) => store.vmLocks.releaseStale(prefix, holder)),
        recalled: (vmId) => recent.get(vmId),
        remember,
        rememberVm: (vm) => {
          const known = recent.get(vm.id)
          if (known !== undefined) remember({ ...known, vm })
        },
        forget: (vmId) => void recent.delete(vmId),
      })
    }),
  )
}
