import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import type { StoppedVmPolicy } from "../../core/cluster/settings.ts"
import { type LogFormat, type LogLevel, logFormats, logLevels } from "../log/logger.ts"

/** The repository's root folder (this file is agent/start/config.ts). */
export const projectRoot = fileURLToPath(new URL("../../", import.meta.url))

/** The drivers in the package (#21). */
export const builtInDrivers = ["qemu", "libvirt", "fake"] as const
export type BuiltInDriver = (typeof builtInDrivers)[number]
/** A built-in driver, or a driver module: an absolute path (a file or a package folder) or a package name. */
export type DriverChoice = BuiltInDriver | { readonly module: string }

/** Where and how the agent runs: from flags, then environment variables, then defaults. */
export interface AgentConfig {
  /** Address to listen on; default 127.0.0.1 (HYPERX_HOST). */
  readonly host: string
  /** Port; default 8080 (HYPERX_PORT); 0 picks a free one. */
  readonly port: number
  /** The data folder (host id, secret key, disks, the embedded PostgreSQL); default `<project>/data` (HYPERX_DATA). */
  readonly dataDir: string
  /** A PostgreSQL server instead of the embedded one (DATABASE_URL). */
  readonly databaseUrl: string | undefined
  /** Portal origins allowed to call the API from a browser (HYPERX_CORS_ORIGINS, comma-separated; `*`: any). */
  readonly corsOrigins: ReadonlyArray<string>
  /**
   * The hypervisor driver; default qemu (HYPERX_DRIVER). libvirt: through libvirtd. fake: an in-memory stand-in, for
   * trying the API only. Anything else names a driver module (core/driver/plugin.ts).
   */
  readonly driver: DriverChoice
  /**
   * Where clients reach the agent (a proxy's https://… address), for the URLs it hands out such as the console's
   * WebSocket (HYPERX_PUBLIC_URL); default the address it listens on. Never taken from a request's Host header.
   */
  readonly publicUrl: string | undefined
  /**
   * #15: real host networking (bridges, taps, nftables, dnsmasq through plugins/linux-net) for bridged networks;
   * HYPERX_NETWORK=linux turns it on (root, with ip, nft and dnsmasq). Off: only user-mode networks work.
   */
  readonly network?: NetworkConfig | undefined
  /** #16: this host's name in the cluster (HYPERX_NAME); default the machine's host name. */
  readonly name: string | undefined
  /**
   * #16: where the other agents of a cluster reach this one, for forwarded requests (HYPERX_URL); default the public
   * URL, else the address it listens on.
   */
  readonly url: string | undefined
  /**
   * #16: a file (mode 0600) holding the cluster's shared secret, the same on every agent (HYPERX_CLUSTER_SECRET_FILE):
   * agents sign the requests they forward with it, and seal VM passwords under a key derived from it (so every host
   * opens them). Without it this agent neither forwards nor accepts forwards, and seals under its own key.
   */
  readonly clusterSecretFile: string | undefined
  /**
   * #16: while the cluster secret is rotated, a file (0600) with the old one (HYPERX_PREVIOUS_CLUSTER_SECRET_FILE): the
   * passwords sealed under it are re-sealed under the new one at start. Only with clusterSecretFile.
   */
  readonly previousClusterSecretFile: string | undefined
  /**
   * #16, R12: the shared storage directory, mounted at the same path on every host (HYPERX_SHARED_STORAGE): new disks
   * go there instead of the data folder, so that the leader can restart HA VMs on another host when theirs dies.
   */
  readonly sharedStorage: string | undefined
  /** #16: this host's zone (资源域; HYPERX_ZONE); unset keeps the stored one ("default" on a first start). */
  readonly zone?: string | undefined
  /** #16: the CPU overcommit ratio as a percentage (HYPERX_CPU_OVERCOMMIT, a ratio: 4 → 400); unset keeps the stored one. */
  readonly cpuOvercommitPercent?: number | undefined
  /** #16: the memory overcommit ratio as a percentage (HYPERX_MEMORY_OVERCOMMIT, 1.5 → 150); unset keeps the stored one. */
  readonly memoryOvercommitPercent?: number | undefined
  /**
   * #16, R12: a host whose heartbeat is older than this many seconds reads suspect, then down
   * (HYPERX_HOST_SUSPECT_AFTER, HYPERX_HOST_DOWN_AFTER); unset: the cluster's (core/cluster/agree-timeouts.ts).
   */
  readonly hostSuspectAfterSeconds?: number | undefined
  readonly hostDownAfterSeconds?: number | undefined
  /** #16: what holds capacity besides running VMs, hold or release (HYPERX_STOPPED_VMS); unset: the cluster's. */
  readonly stoppedVms?: StoppedVmPolicy | undefined
  /** X1–X4: where the host's sysfs is read (HYPERX_SYSFS_ROOT; default "/": /sys); tests point it at a fake tree. */
  readonly sysfsRoot: string
  /** #21: the log's threshold (HYPERX_LOG_LEVEL); default info. */
  readonly logLevel: LogLevel
  /** #21: json or pretty (HYPERX_LOG_FORMAT); default pretty on a terminal, JSON otherwise. */
  readonly logFormat: LogFormat | undefined
}

export interface NetworkConfig {
  /** Keep the bridges, taps and QEMU in this network namespace (HYPERX_NETNS; tests, or a host that wants it). */
  readonly netns?: string | undefined
  /** Device name prefix, 1–6 letters and digits (HYPERX_NET_PREFIX; default "hx"). */
  readonly prefix?: string | undefined
}

const networkOf = (env: Env): NetworkConfig | undefined => {
  const kind = nonEmpty(env.HYPERX_NETWORK) ?? "off"
  if (kind === "off") return undefined
  if (kind !== "linux") throw new ConfigError(`HYPERX_NETWORK must be linux or off, not "${kind}"`)
  const prefix = nonEmpty(env.HYPERX_NET_PREFIX)
  if (prefix !== undefined && !/^[a-z][a-z0-9]{0,5}$/.test(prefix)) {
    throw new ConfigError(`HYPERX_NET_PREFIX is 1–6 lower-case letters and digits, a letter first, not "${prefix}"`)
  }
  return { netns: nonEmpty(env.HYPERX_NETNS), prefix }
}

/** What `hyperx agent` (and the admin verbs, for the data folder and database) take on the command line. */
export interface AgentFlags {
  readonly host?: string | undefined
  readonly port?: string | undefined
  readonly data?: string | undefined
  readonly databaseUrl?: string | undefined
  readonly cors?: string | undefined
  readonly driver?: string | undefined
  readonly publicUrl?: string | undefined
  readonly name?: string | undefined
  readonly url?: string | undefined
  readonly clusterSecretFile?: string | undefined
  readonly previousClusterSecretFile?: string | undefined
  readonly sharedStorage?: string | undefined
  readonly zone?: string | undefined
  readonly cpuOvercommit?: string | undefined
  readonly memoryOvercommit?: string | undefined
  readonly hostSuspectAfter?: string | undefined
  readonly hostDownAfter?: string | undefined
  readonly stoppedVms?: string | undefined
  readonly logLevel?: string | undefined
  readonly logFormat?: string | undefined
}

export type Env = Readonly<Record<string, string | undefined>>

export class ConfigError extends Error {
  override readonly name = "ConfigError"
}

const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === "" ? undefined : value.trim())

const portOf = (text: string): number => {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isInteger(port) || port > 65535) throw new ConfigError(`The port must be 0–65535, not "${text}"`)
  return port
}

/** npm's rule for a package name (scoped or not). */
const packageName = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/

const driverOf = (text: string, cwd: string): DriverChoice => {
  const builtIn = builtInDrivers.find((name) => name === text)
  if (builtIn !== undefined) return builtIn
  if (text.startsWith("file:") && URL.canParse(text)) return { module: fileURLToPath(text) }
  if (text.startsWith(".") || text.startsWith("/")) return { module: resolve(cwd, text) }
  if (packageName.test(text)) return { module: text }
  throw new ConfigError(
    `The driver is qemu, libvirt, fake, a driver package's name or a driver module's path, not "${text}"`,
  )
}

const originsOf = (text: string): ReadonlyArray<string> =>
  text
    .split(",")
    .map((origin) => origin.trim())
    .filter((origin) => origin !== "")
    .map((origin) => {
      if (origin === "*") return origin
      const url = URL.canParse(origin) ? new URL(origin) : undefined
      if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:") || url.origin !== origin) {
        throw new ConfigError(`A CORS origin is scheme://host[:port] with nothing after it, not "${origin}"`)
      }
      return origin
    })

const nameOf = (text: string | undefined): string | undefined => {
  if (text === undefined) return undefined
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(text)) {
    throw new ConfigError(`A host name is 1–63 letters, digits, dots, dashes or underscores, not "${text}"`)
  }
  return text
}

const publicUrlOf = (text: string | undefined): string | undefined => {
  if (text === undefined) return undefined
  const url = URL.canParse(text) ? new URL(text) : undefined
  if (
    url === undefined ||
    (url.protocol !== "http:" && url.protocol !== "https:") ||
    url.search !== "" ||
    url.hash !== ""
  ) {
    throw new ConfigError(`The public URL is http(s)://host[:port][/path], not "${text}"`)
  }
  return url.href.replace(/\/+$/, "")
}

const oneOf = <T extends string>(what: string, allowed: ReadonlyArray<T>, text: string | undefined): T | undefined => {
  if (text === undefined) return undefined
  const found = allowed.find((value) => value === text)
  if (found === undefined) throw new ConfigError(`The ${what} is ${allowed.join(", ")}, not "${text}"`)
  return found
}

const zoneOf = (text: string | undefined): string | undefined => {
  if (text === undefined) return undefined
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(text)) {
    throw new ConfigError(`A zone is 1–63 letters, digits, dots, dashes or underscores, not "${text}"`)
  }
  return text
}

/** An overcommit ratio (1 = none, 4 = four times the host's) as the hosts table keeps it: a whole percentage. */
const ratioOf = (what: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined
  const ratio = /^\d+(\.\d{1,2})?$/.test(text) ? Number(text) : Number.NaN
  if (!(ratio >= 1 && ratio <= 64))
    throw new ConfigError(`The ${what} overcommit is a ratio from 1 to 64, not "${text}"`)
  return Math.round(ratio * 100)
}

/** The heartbeat interval is 2 s: suspect after two missed beats at least; fencing (down − 4 s) after two more. */
const minSuspectSeconds = 4
const minDownSeconds = 8
const maxTimeoutSeconds = 3600

const secondsOf = (flag: string, text: string | undefined, min: number): number | undefined => {
  if (text === undefined) return undefined
  const value = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN
  if (!(value >= min && value <= maxTimeoutSeconds)) {
    throw new ConfigError(`--${flag} is whole seconds from ${min} to ${maxTimeoutSeconds}, not "${text}"`)
  }
  return value
}

/** Keys whose value is undefined left out (the config's optional fields are absent unless given). */
const definedOnly = <T extends Record<string, unknown>>(fields: T): Partial<T> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>

const stoppedVmPolicies: ReadonlyArray<StoppedVmPolicy> = ["hold", "release"]

/** #16: what the operator says of this host and of the cluster; only what was given. */
const hostFactsOf = (flags: AgentFlags, env: Env) =>
  definedOnly({
    zone: zoneOf(nonEmpty(flags.zone) ?? nonEmpty(env.HYPERX_ZONE)),
    cpuOvercommitPercent: ratioOf("CPU", nonEmpty(flags.cpuOvercommit) ?? nonEmpty(env.HYPERX_CPU_OVERCOMMIT)),
    memoryOvercommitPercent: ratioOf(
      "memory",
      nonEmpty(flags.memoryOvercommit) ?? nonEmpty(env.HYPERX_MEMORY_OVERCOMMIT),
    ),
    ...timeoutsOf(flags, env),
    stoppedVms: oneOf(
      "stopped-VM policy",
      stoppedVmPolicies,
      nonEmpty(flags.stoppedVms) ?? nonEmpty(env.HYPERX_STOPPED_VMS),
    ),
  })

/** Both timeouts, each checked, then their order (against the default 6/10 for the one not given). */
const timeoutsOf = (flags: AgentFlags, env: Env) => {
  const suspect = secondsOf(
    "host-suspect-after",
    nonEmpty(flags.hostSuspectAfter) ?? nonEmpty(env.HYPERX_HOST_SUSPECT_AFTER),
    minSuspectSeconds,
  )
  const down = secondsOf(
    "host-down-after",
    nonEmpty(flags.hostDownAfter) ?? nonEmpty(env.HYPERX_HOST_DOWN_AFTER),
    minDownSeconds,
  )
  if ((down ?? 10) < (suspect ?? 6) + 2) {
    throw new ConfigError(
      `--host-down-after (${down ?? 10} s) must be at least 2 s more than --host-suspect-after (${suspect ?? 6} s)`,
    )
  }
  return { hostSuspectAfterSeconds: suspect, hostDownAfterSeconds: down }
}

const resolveOptional = (cwd: string, path: string | undefined) => (path === undefined ? undefined : resolve(cwd, path))

/** Flags win over the environment, the environment over the defaults. */
export const resolveConfig = (flags: AgentFlags, env: Env, cwd = process.cwd()): AgentConfig => {
  const dataDir = nonEmpty(flags.data) ?? nonEmpty(env.HYPERX_DATA)
  const network = networkOf(env)
  return {
    host: nonEmpty(flags.host) ?? nonEmpty(env.HYPERX_HOST) ?? "127.0.0.1",
    port: portOf(nonEmpty(flags.port) ?? nonEmpty(env.HYPERX_PORT) ?? "8080"),
    dataDir: dataDir === undefined ? join(projectRoot, "data") : resolve(cwd, dataDir),
    databaseUrl: nonEmpty(flags.databaseUrl) ?? nonEmpty(env.DATABASE_URL),
    corsOrigins: originsOf(nonEmpty(flags.cors) ?? nonEmpty(env.HYPERX_CORS_ORIGINS) ?? ""),
    driver: driverOf(nonEmpty(flags.driver) ?? nonEmpty(env.HYPERX_DRIVER) ?? "qemu", cwd),
    publicUrl: publicUrlOf(nonEmpty(flags.publicUrl) ?? nonEmpty(env.HYPERX_PUBLIC_URL)),
    ...(network === undefined ? {} : { network }),
    name: nameOf(nonEmpty(flags.name) ?? nonEmpty(env.HYPERX_NAME)),
    url: publicUrlOf(nonEmpty(flags.url) ?? nonEmpty(env.HYPERX_URL)),
    sharedStorage: resolveOptional(cwd, nonEmpty(flags.sharedStorage) ?? nonEmpty(env.HYPERX_SHARED_STORAGE)),
    clusterSecretFile: resolveOptional(
      cwd,
      nonEmpty(flags.clusterSecretFile) ?? nonEmpty(env.HYPERX_CLUSTER_SECRET_FILE),
    ),
    previousClusterSecretFile: resolveOptional(
      cwd,
      nonEmpty(flags.previousClusterSecretFile) ?? nonEmpty(env.HYPERX_PREVIOUS_CLUSTER_SECRET_FILE),
    ),
    ...hostFactsOf(flags, env),
    sysfsRoot: resolve(cwd, nonEmpty(env.HYPERX_SYSFS_ROOT) ?? "/"),
    logLevel: oneOf("log level", logLevels, nonEmpty(flags.logLevel) ?? nonEmpty(env.HYPERX_LOG_LEVEL)) ?? "info",
    logFormat: oneOf("log format", logFormats, nonEmpty(flags.logFormat) ?? nonEmpty(env.HYPERX_LOG_FORMAT)),
  }
}

/** A database URL with its password hidden, for printing. */
export const redactUrl = (url: string): string => {
  if (!URL.canParse(url)) return "(a database URL)"
  const parsed = new URL(url)
  if (parsed.password !== "") parsed.password = "****"
  return parsed.toString()
}
