/**
 * The embedded server's settings, passed on its command line (they win over postgresql.conf): small, for a host
 * agent that keeps a few thousand rows, and reachable only through a unix socket (no TCP at all).
 */
export const serverSettings: Readonly<Record<string, string>> = {
  listen_addresses: "",
  port: "5432",
  max_connections: "40",
  shared_buffers: "16MB",
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
