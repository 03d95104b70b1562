/**
 * The embedded server's settings, passed on its command line (they win over postgresql.conf): small, for a host
 * agent that keeps a few thousand rows, and reachable only through a unix socket (no TCP at all).
 */
export const serverSettings: Readonly<Record<string, string>> = {
  listen_addresses: "",
  port: "5432",
  max_connections: "40",
  // The VM list at 100,000 VMs (#23) reads a search's matches from covering indexes and rows spread over thousands
  // of 8 KiB pages (the IP prefix 10.20.1: 2,800; a name: 7,700): at 16MB every query read most of them again from
  // the OS (IP prefix 22 ms, name search 40 ms of execution); at 128MB they stay in the server (12 ms, 15 ms).
  // Shared memory counts in the agent's PSS only as pages are touched: bench/footprint with 1,000 VMs measured the
  // whole agent at 126 MiB PSS with 16MB and 131 MiB with 128MB (PostgreSQL 47.7 and 46.6 MiB); at 100,000 VMs the
  // list's pages fill them.
  shared_buffers: "128MB",
  work_mem: "4MB",
  maintenance_work_mem: "16MB",
  effective_cache_size: "128MB",
  // The agent's data sits in the page cache: an index page costs about what a table page does. At 4 (the default,
  // for spinning disks) the planner read every VM's row rather than a covering index for a list search matching 28%
  // of them (#23: 2,828 VMs of 10,000, the index-only scan costed 882 against 825 for the scan).
  random_page_cost: "1.1",
  wal_buffers: "1MB",
  min_wal_size: "32MB",
  max_wal_size: "256MB",
  huge_pages: "off",
  jit: "off",
  io_method: "sync",
  max_worker_processes: "2",
  max_parallel_workers: "0",
  max_parallel_workers_per_gather: "0",
  max_parallel_maintenance_workers: "0",
  autovacuum_max_workers: "1",
  log_min_messages: "warning",
  log_timezone: "UTC",
  timezone: "UTC",
}

/** Password logins over the unix socket only; initdb's pg_hba.conf is replaced by this one. */
export const hbaConf = "# hyperx: unix socket only, password (scram-sha-256)\nlocal all all scram-sha-256\n"

/** The role and database the agent uses on its embedded server. */
export const embeddedRole = "hyperx"
export const embeddedDatabase = "hyperx"

/** `-c name=value` for each setting. */
export const settingsArgs = (
  socketDir: string,
  overrides: Readonly<Record<string, string>> = {},
): ReadonlyArray<string> =>
  Object.entries({ ...serverSettings, ...overrides, listen_addresses: "", unix_socket_directories: socketDir }).flatMap(
    ([name, value]) => ["-c", `${name}=${value}`],
  )
