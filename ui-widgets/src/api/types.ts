import type { VmState } from "../../../core/model/vm.ts"

/** What the agent's API sends, as JSON (dates are ISO strings); see agent/README.md and /api/v1/openapi.json. */
export type { VmState }

export type TaskState = "queued" | "running" | "succeeded" | "failed"

export interface TaskError {
  readonly code: string
  readonly rule?: string
  readonly message: string
}

export interface Task {
  readonly id: string
  readonly operation: string
  readonly vmId: string | null
  /** The snapshot, backup, schedule or disk it acts on, if any. */
  readonly targetId?: string | null
  readonly parentId: string | null
  readonly userId: string
  readonly state: TaskState
  readonly progress: number
  readonly params?: unknown
  readonly result?: unknown
  readonly error: TaskError | null
  readonly createdAt: string
  readonly finishedAt: string | null
}

/** One list row: `id` and whichever columns were asked for (L3). */
export interface VmRow {
  readonly id: string
  readonly displayName?: string
  readonly state?: VmState
  readonly [column: string]: unknown
}

export interface Totals {
  readonly cpus: number
  readonly memoryMiB: number
  readonly diskGiB: number
}

export interface VmPage {
  readonly items: ReadonlyArray<VmRow>
  readonly total: number
  readonly totals: Totals
  readonly offset: number
  readonly limit: number
  /** The cursor of the page after this one; null on the last page. */
  readonly next: string | null
}

export interface Flavor {
  readonly id: string
  readonly name: string
  readonly cpus: number
  readonly memoryMiB: number
  readonly gpuAllowed: boolean
  readonly perDay: number
}

export interface Image {
  readonly id: string
  readonly name: string
  readonly osFamily: "linux" | "windows"
  readonly osName: string
  readonly format: string
  readonly minCores: number
  readonly minDiskGiB: number
  readonly perDay: number
}

export interface Host {
  readonly id: string
  readonly name: string
  readonly zone: string
  readonly pod: string
}

export interface Quote {
  readonly departmentId: string
  readonly remaining: {
    readonly cpus: number | null
    readonly memoryMiB: number | null
    readonly diskGiB: number | null
    readonly vmCount: number | null
  }
  readonly perVmPerDay: number
  readonly totalPerDay: number
  readonly breakdown: { readonly flavor: number; readonly image: number; readonly disks: number }
}

/** The server's verdict on one action for one VM and one caller: render actions from these, never from states. */
export interface AllowedAction {
  readonly action: string
  readonly operation: string
  readonly allowed: boolean
  readonly rule?: string
  readonly kind?: "forbidden" | "conflict" | "invalid"
  readonly message?: string
}

export interface Named {
  readonly id: string
  readonly name: string
}

export interface Disk {
  readonly id: string
  readonly name: string
  readonly role: "system" | "data"
  readonly storageClass: string
  readonly format: string
  readonly bus: string
  readonly sizeGiB: number
  readonly perDay: number
}

/** A disk as GET /vms/{id}/disks lists it: with how many backups it has and when the last one was made. */
export interface DiskWithBackups extends Disk {
  readonly backupCount: number
  readonly lastBackupAt: string | null
}

export type Origin = "manual" | "scheduled"
export type ItemState = "creating" | "ready" | "failed"

/** A VM snapshot (P1–P5). */
export interface Snapshot {
  readonly id: string
  readonly vmId: string
  readonly name: string
  readonly withMemory: boolean
  readonly origin: Origin
  readonly scheduleId: string | null
  readonly state: ItemState
  readonly sizeBytes: number
  readonly createdAt: string
}

/** A disk backup (V4–V6): full, or an increment on its parent. */
export interface Backup {
  readonly id: string
  readonly diskId: string
  readonly kind: "full" | "incremental"
  readonly parentId: string | null
  readonly origin: Origin
  readonly scheduleId: string | null
  readonly sizeBytes: number
  readonly state: ItemState
  readonly createdAt: string
}

export type Period = "hourly" | "daily" | "weekly" | "monthly"

/** A snapshot or backup schedule (P2, P3, V5, V6) as the lists send it, with its next run. */
export interface Schedule {
  readonly id: string
  readonly target: { readonly kind: "vm-snapshot"; readonly withMemory: boolean } | { readonly kind: "disk-backup" }
  readonly period: Period
  readonly minute: number
  readonly hour: number
  /** 0 = Sunday. */
  readonly dayOfWeek: number
  readonly dayOfMonth: number
  readonly timeZone: string
  readonly retention: number
  readonly enabled: boolean
  readonly lastRunAt: string | null
  readonly nextRunAt: string | null
}

/** What a list route answers. */
export interface Items<A> {
  readonly items: ReadonlyArray<A>
}

export interface Nic {
  readonly id: string
  readonly mac: string
  readonly primaryIp: string
  readonly secondaryIps: ReadonlyArray<string>
  readonly isDefault: boolean
  readonly dhcp: boolean
}

export interface VmDetail {
  readonly vm: {
    readonly id: string
    readonly displayName: string
    readonly hostname: string
    readonly ownerId: string
    readonly flavorId: string
    readonly imageId: string
    readonly remarks: string
    readonly reclaimAt: string | null
    readonly haEnabled: boolean
    readonly deletionProtected: boolean
    readonly recycledAt: string | null
    readonly state: VmState
  }
  readonly owner: Named | null
  readonly company: Named | null
  readonly department: Named | null
  readonly runtime: {
    readonly state: VmState
    readonly stateLabel: string
    readonly stateReason: string
    readonly zone: string
    readonly pod: string
    readonly host: Named | null
  }
  readonly config: {
    readonly cpus: number
    readonly sockets: number
    readonly coresPerSocket: number
    readonly memoryMiB: number
    readonly flavor: Named | null
    readonly image: Named | null
  }
  readonly resources: {
    readonly disks: ReadonlyArray<Disk>
    readonly nics: ReadonlyArray<Nic>
    readonly gpus: ReadonlyArray<Named>
    readonly usbDevices: ReadonlyArray<Named>
  }
  readonly allowedActions: ReadonlyArray<AllowedAction>
}

export interface BatchOutcome {
  readonly vmId: string
  readonly status: "accepted" | "refused" | "not-found"
  readonly taskId?: string
  readonly rule?: string
  readonly message?: string
}

export interface BatchResult {
  readonly task: Task
  readonly outcomes: ReadonlyArray<BatchOutcome>
}

export interface Created {
  readonly vmIds: ReadonlyArray<string>
  readonly tasks: ReadonlyArray<Task>
}

export interface ConsoleTicket {
  readonly ticket: string
  /** Where to open the WebSocket, as the agent saw the request come in. */
  readonly url: string
  /** The same, relative to the agent (/api/v1/console/…). */
  readonly path?: string
  readonly expiresAt: string
  /** The task that records who opened the console. */
  readonly task?: Task
}

/** One frame of WS /api/v1/events. */
export type PlatformEvent =
  | { readonly _tag: "task"; readonly task: Task; readonly at: string }
  | {
      readonly _tag: "vm-state"
      readonly vmId: string
      readonly from: VmState
      readonly to: VmState
      readonly cause: string
      readonly reason: string
      readonly at: string
    }
  | { readonly _tag: "vm-removed"; readonly vmId: string; readonly at: string }
