import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { performance } from "node:perf_hooks"
import { createInterface } from "node:readline"

/** The node flags the agent runs with (package.json's start script, the `hyperx` command's shebang). */
export const agentFlags = ["--max-semi-space-size=2"]

const rssMiBOf = (pid: number) =>
  Math.round((Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024) * 10) / 10

/**
 * L6 at scale: GET /api/v1/vms/export.xlsx of every VM from an agent in a process of its own (export-agent.ts, with
 * the agent's flags), the body counted as it arrives and dropped; the agent's RSS sampled every 10 ms: before, and its
 * peak growth during the export.
 */
export const exportInAgent = async (url: string, userId: string) => {
  const child = spawn(
    process.execPath,
    [...agentFlags, "--import", "tsx", new URL("./export-agent.ts", import.meta.url).pathname, url, userId],
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
      const response = await fetch(`${origin}/api/v1/vms/export.xlsx`, { headers })
      let bytes = 0
      for await (const chunk of response.body ?? []) bytes += chunk.length
      const ms = Math.round(performance.now() - started)
      peak = Math.max(peak, rssMiBOf(pid))
      return {
        status: response.status,
        bytes,
        ms,
        agentFlags,
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
