/**
 * The export of bench/api-list alone, over a database seeded once by seed-keep.ts, to measure the export (its time
 * and the growth of its agent's RSS, export-in-agent.ts) without seeding and listing each time:
 *   node --import tsx bench/api-list/export-only.ts POSTGRES-URL USER-ID [--runs 3] [--all-columns] [--node-defaults]
 * USER-ID: the seeded superadmin (seed-keep.ts prints it). `--all-columns`: every column, not the default ones;
 * `--node-defaults`: the agent under node's default flags instead of its own (its young generation, #23). Prints one
 * JSON document on stdout.
 */
import { vmColumnNames } from "../../agent/vms/columns.ts"
import { wholeNumberFlag } from "../shared/flags.ts"
import { loadAverages, machineFacts } from "../shared/load.ts"
import { agentFlags, exportInAgent } from "./export-in-agent.ts"

const [url, userId] = process.argv.slice(2).filter((arg) => !arg.startsWith("--") && !/^\d+$/.test(arg))
if (url === undefined || userId === undefined) throw new Error("usage: export-only.ts POSTGRES-URL USER-ID [--runs N]")
const runs = wholeNumberFlag("--runs", 3)
const query = process.argv.includes("--all-columns") ? `?columns=${vmColumnNames.join(",")}` : ""
const nodeFlags = process.argv.includes("--node-defaults") ? [] : agentFlags
const loadAtStart = loadAverages()
const results = []
for (let run = 0; run < runs; run++) {
  results.push(await exportInAgent(url, userId, { query, nodeFlags }))
  process.stderr.write(`${JSON.stringify(results.at(-1))}\n`)
}
process.stdout.write(
  `${JSON.stringify({ what: "GET /api/v1/vms/export.xlsx, agent in a process of its own", query, nodeFlags, results, machine: machineFacts(loadAtStart) }, null, 2)}\n`,
)
