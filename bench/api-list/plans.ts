import { CompiledQuery, type Kysely } from "kysely"
import type { DB } from "../../core/store/schema.ts"
import { type VmQuery, vmPageStatement } from "../../core/store/vm-query.ts"

interface PlanNode {
  readonly "Node Type": string
  readonly "Relation Name"?: string
  readonly "Index Name"?: string
  readonly "Scan Direction"?: string
  readonly Plans?: ReadonlyArray<PlanNode>
}

/** How a plan reads each table: "Index Scan vms_list_created_at_idx", "Seq Scan vms", … in plan order. */
export const readsOf = (node: PlanNode): Array<string> => {
  const own =
    node["Relation Name"] === undefined && node["Index Name"] === undefined
      ? []
      : [`${node["Node Type"]} ${node["Index Name"] ?? node["Relation Name"]}`]
  return [...own, ...(node.Plans ?? []).flatMap(readsOf)]
}

/**
 * The shape of the plan PostgreSQL picks for a list question (EXPLAIN, not run): which index or scan reads each
 * table, and whether any reads all of vms, so that a plan that turns into a scan of the table shows in the JSON.
 */
export const planShape = async (db: Kysely<DB>, q: VmQuery) => {
  const compiled = vmPageStatement(db, q).compile()
  const result = await db.executeQuery<{ "QUERY PLAN": ReadonlyArray<{ Plan: PlanNode }> }>(
    CompiledQuery.raw(`explain (format json) ${compiled.sql}`, [...compiled.parameters]),
  )
  const plan = result.rows[0]?.["QUERY PLAN"][0]?.Plan
  const reads = plan === undefined ? [] : readsOf(plan)
  return { reads, scansVms: reads.some((read) => read.startsWith("Seq Scan vms") || read === "Parallel Seq Scan vms") }
}
