import { CompiledQuery, type Kysely } from "kysely"
import { preparedWhileRoomMark } from "../../core/store/prepared.ts"
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

const literal = (value: unknown): string =>
  value === null || value === undefined
    ? "null"
    : typeof value === "number" || typeof value === "boolean"
      ? String(value)
      : `'${String(value).replaceAll("'", "''")}'`

const medianMs = (samples: ReadonlyArray<number>) => Math.round(percentile(samples, 50) * 100) / 100

/**
 * The plan PostgreSQL picks for a list question (the statement GET /api/v1/vms runs: the page with `fields`) and what running it costs the server, apart from the agent: which
 * index or scan reads each table (and whether any reads all of vms, so that a plan turning into a scan of the table
 * shows in the JSON), the 8 KiB buffers it touched (the same on a busy or a quiet machine: the figure to compare
 * runs by), and the server's planning and execution times (EXPLAIN ANALYZE without per-node timing; median of `runs`).
 * A prepared search's planning time is near zero: it runs its generic plan, one plan for every value.
 */
export const planShape = async (db: Kysely<DB>, q: VmQuery, fields: ReadonlyArray<VmListField>, runs = 15) => {
  const compiled = sheetQuery(db, q, fields)
  const parameters = [...compiled.parameters]
  // A statement the agent prepares (a search's): its generic plan, which the agent runs after the first run on a
  // connection (core/store/prepared.ts), explained as EXECUTE of it.
  const prepared = compiled.sql.startsWith(preparedWhileRoomMark)
  // EXECUTE takes no parameters of the protocol: its values are written as literals (standard_conforming_strings).
  const values = parameters.map(literal).join(", ")
  const explain = `explain (analyze, timing off, buffers, format json) ${
    prepared ? `execute hx_bench_plan(${values})` : compiled.sql
  }`
  const explained: Array<Explained> = []
  await db.connection().execute(async (connection) => {
    if (prepared) {
      await connection.executeQuery(CompiledQuery.raw(`prepare hx_bench_plan as ${compiled.sql}`))
      await connection.executeQuery(CompiledQuery.raw("set plan_cache_mode = force_generic_plan"))
    }
    try {
      for (let i = 0; i < runs; i++) {
        const result = await connection.executeQuery<{ "QUERY PLAN": ReadonlyArray<Explained> }>(
          CompiledQuery.raw(explain, prepared ? [] : parameters),
        )
        const first = result.rows[0]?.["QUERY PLAN"][0]
        if (first !== undefined) explained.push(first)
      }
    } finally {
      if (prepared) {
        await connection.executeQuery(CompiledQuery.raw("deallocate hx_bench_plan"))
        await connection.executeQuery(CompiledQuery.raw("reset plan_cache_mode"))
      }
    }
  })
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
