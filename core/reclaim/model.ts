import type { ReclaimPolicy } from "../model/org.ts"

/** R5: the reminder some days before a VM's reclaim date, and the step at the date (policy, then the reminder after). */
export type ReclaimStep = "notice" | "expired"

/** What the expiry step did to the VM, as the reminder after tells it. */
export type ReclaimOutcome = "reminded" | "kept" | "stopped" | "already-stopped" | "recycled" | "destroyed" | "refused"

/** One step done for one reclaim date: who was told and whether the mail went out. */
export interface ReclaimNotice {
  readonly vmId: string
  readonly reclaimAt: Date
  readonly step: ReclaimStep
  readonly at: Date
  readonly taskId: string
  readonly outcome: ReclaimOutcome
  readonly recipients: ReadonlyArray<string>
  readonly delivered: boolean
  readonly error: string | null
}

/** A VM whose reclaim date is near or past, with its department's policy and the steps already done for that date. */
export interface ReclaimCandidate {
  readonly vmId: string
  readonly reclaimAt: Date
  readonly policy: ReclaimPolicy
  readonly noticeDays: number
  readonly done: ReadonlyArray<ReclaimStep>
}
