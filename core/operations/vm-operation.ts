import type { Effect } from "effect"
import type { SecretUnreadable } from "../auth/secrets.ts"
import type { HostConfig } from "../config.ts"
import type { HostDeviceSource } from "../devices/source.ts"
import type { DriverError } from "../driver/errors.ts"
import type { DriverRegistry } from "../driver/registry.ts"
import type {
  InvalidInput,
  NotFound,
  PreconditionFailed,
  RuleViolation,
  StoreError,
  Superseded,
  VersionConflict,
} from "../errors.ts"
import type { EventBus } from "../events/bus.ts"
import type { LifecycleAction } from "../lifecycle/index.ts"
import type { Operation } from "../model/operation.ts"
import type { Disk, Snapshot } from "../model/storage.ts"
import type { Actor, VmContext, VmCountsContext, VmRecordContext } from "../rules/context.ts"
import type { Rule } from "../rules/rule.ts"
import type { ItemRef, OwnRow, OwnUpdate, Store, VmMove } from "../store/ports.ts"
import type { Background } from "./background.ts"
import type { TaskStart } from "./tasks.ts"
import type { VmLocks } from "./vm-lock.ts"

/** What an operation's rules read besides its own input: the VM's record, with its counts, or with its image too. */
export type Reads = "record" | "counts" | "full"

export interface ReadContext {
  readonly record: VmRecordContext
  readonly counts: VmCountsContext
  readonly full: VmContext
}

/** The item an operation acts on, as the lock's claim read it (absent when not read there, or when it is gone). */
export interface ClaimedItem {
  readonly snapshot?: Snapshot
  readonly disk?: Disk
}

/** Everything an operation may use. */
export type OperationServices = Store | EventBus | VmLocks | Background | DriverRegistry | HostConfig | HostDeviceSource

/**
 * The typed failures of an operation: a rule's refusal, a missing record, the database, the hypervisor, a forced
 * operation cutting it short, or a sealed secret this agent holds no key for (#16).
 */
export type OperationError =
  | RuleViolation
  | NotFound
  | StoreError
  | DriverError
  | InvalidInput
  | VersionConflict
  | PreconditionFailed
  | Superseded
  | SecretUnreadable

type Op<A> = Effect.Effect<A, OperationError, OperationServices>

/** The task's own fields besides who, what and when. */
export interface TaskFields {
  readonly targetId?: string
  readonly params?: unknown
}

/** A change of records only (R2–R7, a restore from the bin): written under the lock, the task recorded around it. */
export interface RecordWork<C, P, A> {
  readonly kind: "record"
  /** The write, against the record that was checked under the lock; its value is the task's result. */
  readonly write: (context: C, prepared: P) => Op<A>
  /** What the task records of the value (default: all of it); a secret the caller reads is never recorded. */
  readonly result?: (value: A) => unknown
}

/**
 * Work that takes time (a driver call): the operation's rows and the task are recorded, the work runs in the
 * background, and its outcome settles the task, the rows and the VM's state. The caller gets the task at once.
 */
export interface BackgroundWork<C, P, R> {
  readonly kind: "background"
  /** The operation's own rows, written before the task (a snapshot or backup "creating"); the work gets the value. */
  readonly record?: (context: C, prepared: P) => Op<R>
  /** The operation's own row, inserted in the task's statement (both or neither): one round trip for both. */
  readonly row?: (context: C, prepared: P, recorded: R) => OwnRow
  /** The change of its own row a success makes, written in the statement that settles the task. */
  readonly settles?: (context: C, value: unknown, recorded: R) => OwnUpdate | undefined
  /**
   * Undo `record` when the task could not be recorded after it; with `overlap`, also what the work made meanwhile
   * (run once the work has ended).
   */
  readonly discard?: (context: C, prepared: P) => Effect.Effect<unknown, unknown, Store>
  /**
   * The work. With `overlap` it is started at once, before anything is recorded, and must await `recorded` before it
   * ends: what it does meanwhile (freezing the guest's file systems; a snapshot, which `discard` removes and recovery
   * reconciles) overlaps the recording; if recording fails, `recorded` fails and the work undoes what it prepared.
   * Without, it starts once everything is recorded.
   */
  readonly run: (
    context: C,
    prepared: P,
    recorded: Effect.Effect<R>,
  ) => Effect.Effect<unknown, unknown, Store | EventBus>
  readonly overlap?: boolean
  /** Marks what a failed work leaves behind (a row "failed"); not run on interruption, which recovery reconciles. */
  readonly onFailure?: (context: C, prepared: P) => Effect.Effect<unknown, unknown, Store>
  /**
   * With a lifecycle action, how a success settles the VM: by default it moves to the table's stable state in the
   * statement that settles the task; this adds fields to that move, or says the work itself moved (or removed) it.
   */
  readonly onSuccess?: (context: C) => Effect.Effect<SuccessMove>
}

/** The fields a success writes with the VM's move, or "by-work": the work moved (or removed) the VM itself. */
export type SuccessMove = { readonly with: Omit<VmMove["patch"], "state" | "stateReason"> } | "by-work"

/** The checking half of a declaration: what a preview evaluates (and all an action without a task declares). */
export interface VmCheck<K extends Reads, I, C extends VmRecordContext> {
  readonly operation: Operation
  readonly reads: K
  /**
   * The rules' context: what was read, with the input and the operation's own targets (a snapshot, a disk). Under
   * the lock, `claimed` holds the item the claim read (see `item`): no need to read it again.
   */
  readonly context: (base: ReadContext[K], input: I, claimed?: ClaimedItem) => Op<C>
  /** The catalogue's rules, checked in order; the first refusal is the answer. */
  readonly rules: ReadonlyArray<Rule<C>>
  /** Whether the operation takes the VM's lock (every declaration the runner runs does): held, it is vm-busy. */
  readonly locks?: false
  /** The row the operation acts on (a snapshot, a disk): read in the lock's claim, and given to `context` there. */
  readonly item?: (input: I) => ItemRef
}

/**
 * A VM operation as one declaration: its name, what its rules read, its rules from the catalogue, its lifecycle
 * action, what it needs besides the rules (the driver and its calls: refused as the rules are), the task it
 * records, and its work. `runVmOperation` runs every declaration the same way; `previewVmOperation` answers
 * whether it would be refused, and by which rule, without doing anything.
 */
export interface VmOperation<K extends Reads, I, C extends VmRecordContext, P = void, W = unknown>
  extends VmCheck<K, I, C> {
  /** What the work needs beyond the rules (the VM's driver and the calls it must offer); its failure refuses too. */
  readonly prepare?: (context: C) => Op<P>
  /** The lifecycle table's action: the VM shows its transient state while the work runs, then settles. */
  readonly lifecycle?: LifecycleAction
  readonly task: (context: C, input: I) => TaskFields
  readonly work: W
}

export type AnyWork<C, P> = RecordWork<C, P, unknown> | BackgroundWork<C, P, unknown>

/**
 * The same operation on an item no VM holds (a detached disk, its backups and schedules): its context is read from
 * the actor and the input alone, its rules checked, and it takes no lock (there is no VM to lock); its task names the
 * item's scope.
 */
export interface AloneOperation<I, C, P, W> {
  readonly operation: Operation
  readonly context: (actor: Actor, input: I) => Op<C>
  readonly rules: ReadonlyArray<Rule<C>>
  readonly prepare?: (context: C) => Op<P>
  readonly task: (context: C, input: I) => TaskFields & { readonly scope: TaskStart["scope"] }
  readonly work: W
}

/**
 * An operation on an item of a VM (a disk: a backup's deletion or restore, a backup schedule's deletion): while a
 * VM holds the item it is that VM's operation (`held`, run under the VM's lock: re-read and re-checked there);
 * otherwise `alone`. `holder` names the VM that holds the item now, or null.
 */
export interface ItemOperation<K extends Reads, I, C extends VmRecordContext, P, W, Q, S, V> {
  readonly holder: (actor: Actor, input: I) => Op<string | null>
  readonly held: VmOperation<K, I, C, P, W>
  readonly alone: AloneOperation<I, Q, S, V>
}
