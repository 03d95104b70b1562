import { readFileSync } from "node:fs"
import pg from "pg"

/** Clock ticks a second (USER_HZ): 100 on every Linux the bench runs on. */
const ticksPerSecond = 100

/** User + system CPU ticks of a process, or undefined when /proc does not show it (another host, other rights). */
const ticksOf = (pid: number): number | undefined => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return undefined
  }
}

/**
 * The CPU the PostgreSQL server processes serving `url`'s database spend meanwhile (its backends, read from /proc: the
 * server must run on this host). Less moved by other work on the machine than wall time: what the server did, not how
 * long it waited for a core. `stop` answers null when a backend's figures cannot be read.
 */
export const serverCpu = async (url: string) => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const backends = async () =>
    (
      await client.query<{ pid: number }>(
        "select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
      )
    ).rows.map((row) => row.pid)
  const pids = await backends()
  const before = new Map(pids.map((pid) => [pid, ticksOf(pid)]))
  return {
    /** Milliseconds of CPU since the start, or null. */
    stop: async (): Promise<number | null> => {
      try {
        if ((await backends()).some((pid) => !before.has(pid))) return null
        let ticks = 0
        for (const [pid, from] of before) {
          const to = ticksOf(pid)
          if (from === undefined || to === undefined) return null
          ticks += to - from
        }
        return (ticks * 1000) / ticksPerSecond
      } finally {
        await client.end()
      }
    },
  }
}
