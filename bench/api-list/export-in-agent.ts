import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { performance } from "node:perf_hooks"
import { createInterface } from "node:readline"

/** The node flags the agent runs with (package.json's start script, the `hyperx` command's shebang). */
export const agentFlags = ["--max-semi-space-size=2"]

const rssMiBOf = (pid: number) =>
  Math.round((Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024) * 10) / 10

/**
 * L6 at scale: GET /api/v1/vms/export.xlsx of every VM (with `query`, e.g. `?columns=…`) from an agent in a process
 * of its own (export-agent.ts, with the agent's flags unless `nodeFlags` says otherwise), the body counted as it
 * arrives and dropped; the agent's RSS sampled every 10 ms from /proc: before (after one small request, so the
 * agent's lazy parts are made), and its peak growth during the export. RSS, not the heap's figures: the young
 * generation's garbage that reaches the old one, the deflate's buffers and the socket's all count.
 *
 * Where an export's memory went (#23, 100,000 rows, default columns, agent's flags, `--trace-gc-nvp` and
 * `process.memoryUsage()` sampled in the agent): the growth was the heap's (heapUsed +125 MiB, external and array
 * buffers +7), made of rows promoted to the old generation by young collections (76 MiB a run) and freed only by a
 * full collection. Of 867 MiB allocated, 394 were the sheet's strings (a cell object, then a string, per cell; a
 * string per batch), 150 the driver's rows. Now: each row written straight into a chunk (agent/vms/sheet-xml.ts), 311
 * MiB allocated; the driver's rows let go once copied (core/store/naming.ts), batches sized to die young and let
 * go once written (export-xlsx.ts): 3 MiB promoted, RSS +5 to +14 MiB (all 29 columns: 6 MiB, +18 to +19); with
 * node's default young generation (`--node-defaults`, export-only.ts) +7 to +12 MiB (was +67 to +80).
 */
export const exportInAgent = async (
  url: string,
  userId: string,
  { query = "", nodeFlags = agentFlags }: { readonly query?: string; readonly nodeFlags?: ReadonlyArray<string> } = {},
) => {
  const child = spawn(
    process.execPath,
    [...nodeFlags, "--import", "tsx", new URL("./export-agent.ts", import.meta.url).pathname, url, userId],
    { stdio: ["pipe", "pipe", "inherit"] },
  )
  try {
    const served = await new Promise<{ readonly port: number; readonly token: string }>((resolve, reject) => {
      child.once("error", reject)
      child.once("exit", (code) => reject(new Error(`the export's agent exited with ${code} before it listened`)))
      createInterface({ input: child.stdout }).once("line", (line) => resolve(JSON.parse(line)))
    })
    const pid = child.pid as number
    const headers = { Authorization: `Bearer ${served.token}` }
    const origin = `http://127.0.0.1:${served.port}`
    // One small request first: the agent's lazy parts (routes, the pool) are made before its memory is read.
    await (await fetch(`${origin}/api/v1/vms?limit=1`, { headers })).arrayBuffer()
    const rssBeforeMiB = rssMiBOf(pid)
    let peak = rssBeforeMiB
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiBOf(pid))
    }, 10)
    try {
      const started = performance.now()
      const response = await fetch(`${origin}/api/v1/vms/export.xlsx${query}`, { headers })
      let bytes = 0
      for await (const chunk of response.body ?? []) bytes += chunk.length
      const ms = Math.round(performance.now() - started)
      peak = Math.max(peak, rssMiBOf(pid))
      return {
        status: response.status,
        bytes,
        ms,
        agentFlags: nodeFlags,
        rssBeforeMiB,
        rssGrowthMiB: Math.round((peak - rssBeforeMiB) * 10) / 10,
      }
    } finally {
      clearInterval(sampler)
    }
  } finally {
    child.stdin?.end()
    child.kill()
  }
}
