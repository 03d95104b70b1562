import { Schema } from "effect"
import { Task } from "../../core/index.ts"
import { VmRow } from "./columns.ts"
import { PublicVm } from "./detail.ts"

export const TaskSchema = Task.annotate({ identifier: "Task" })

const Totals = Schema.Struct({ cpus: Schema.Int, memoryMiB: Schema.Int, diskGiB: Schema.Int }).annotate({
  identifier: "VmTotals",
})

/** L1–L5: one page, the count of everything that matched, and totals over all of it (not just the page). */
export const VmPageSchema = Schema.Struct({
  items: Schema.Array(VmRow),
  total: Schema.Int,
  totals: Totals,
  offset: Schema.Int,
  limit: Schema.Int,
  next: Schema.NullOr(Schema.String).annotate({
    description:
      "Keyset cursor of the page after this one (pass it as ?cursor= with the same sort); null on the last page",
  }),
}).annotate({ identifier: "VmPage" })

export const CreatedSchema = Schema.Struct({
  vmIds: Schema.Array(Schema.String),
  tasks: Schema.Array(TaskSchema),
}).annotate({ identifier: "VmsCreated" })
export const TaskAccepted = Schema.Struct({ task: TaskSchema })
export const PatchedSchema = Schema.Struct({ vm: PublicVm, tasks: Schema.Array(TaskSchema) })
export const PasswordSchema = Schema.Struct({ password: Schema.NullOr(Schema.String), task: TaskSchema })
