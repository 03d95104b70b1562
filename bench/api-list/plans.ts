import { CompiledQuery, type Kysely } from "kysely"
import type { DB } from "../../core/store/schema.ts"
import type { VmQuery } from "../../core/store/vm-query.ts"
import type { VmListField } from "../../core/store/vm-sheet.ts"
import { sheetQuery } from "../../core/store/vm-sheet.ts"
import { percentile } from "./stats.ts"

interface PlanNode {
  readonly "Node Type": string
  readonly "Relation Name"?: string
  readonly "Index Name"?: string
  readonly "Scan Direction"?: string
  readonly "Shared Hit Blocks"?: number
  readonly "Shared Read Blocks"?: number
  readonly Plans?: ReadonlyArray<PlanNode>
}

interface Explained {
  readonly Plan: PlanNode
  readonly "Planning Time": number
  readonly "Execution Time": number
}

/** How a plan reads each table: "Index Scan vms_list_created_at_idx", "Seq Scan vms", … in plan order. */
export const readsOf = (node: PlanNode): Array<string> => {
  const own =
    node["Relation Name"] === undefined && node["Index Name"] === undefined
      ? []
      : [`${node["Node Type"]} ${node["Index Name"] ?? node["Relation Name"]}`]
  return [...own, ...(node.Plans ?? []).flatMap(readsOf)]
}

const medianMs = (samples: ReadonlyArray<number>) => Math.round(percentile(samples, 50) * 100) / 100

/**
 * The plan PostgreSQL picks for a list question (the statement GET /api/v1/vms runs: the page with `fields`) and what running it costs the server, apart from the agent: which
 * index or scan reads each table (and whether any reads all of vms, so that a plan turning into a scan of the table
 * shows in the JSON), the 8 KiB buffers it touched (the same on a busy or a quiet machine: the figure to compare
 * runs by), and the server's planning and execution times (EXPLAIN ANALYZE without per-node timing; median of `runs`).
 */
export const planShape = async (db: Kysely<DB>, q: VmQuery, fields: ReadonlyArray<VmListField>, runs = 15) => {
  const compiled = sheetQuery(db, q, fields)
  const explained: Array<Explained> = []
  for (let i = 0; i < runs; i++) {
    const result = await db.executeQuery<{ "QUERY PLAN": ReadonlyArray<Explained> }>(
      CompiledQuery.raw(`explain (analyze, timing off, buffers, format json) ${compiled.sql}`, [
        ...compiled.parameters,
      ]),
    )
    const first = result.rows[0]?.["QUERY PLAN"][0]
    if (first !== undefined) explained.push(first)
  }
  const last = explained.at(-1)
  const reads = last === undefined ? [] : readsOf(last.Plan)
  return {
    reads,
    scansVms: reads.some((read) => read.startsWith("Seq Scan vms") || read === "Parallel Seq Scan vms"),
    buffers: last === undefined ? null : (last.Plan["Shared Hit Blocks"] ?? 0) + (last.Plan["Shared Read Blocks"] ?? 0),
    planningP50Ms: medianMs(explained.map((e) => e["Planning Time"])),
    executionP50Ms: medianMs(explained.map((e) => e["Execution Time"])),
  }
}
