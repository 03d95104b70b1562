import { Duration } from "effect"
import { defaultMetricsPolicy, type MetricsPolicy } from "../../core/metrics/index.ts"
import { ConfigError } from "../start/config.ts"

type Env = Readonly<Record<string, string | undefined>>

/** What the operator sets for monitoring, alarms and cost (README, "Monitoring, alarms and cost"). */
export interface MonitoringConfig {
  readonly policy: MetricsPolicy
  /** HYPERX_METRICS_TOKEN: `/metrics` on the API's port, for a scraper bearing this token. */
  readonly metricsToken: string | undefined
  /** HYPERX_METRICS_ADDRESS (host:port): `/metrics` on a listener of its own, e.g. a private interface. */
  readonly metricsAddress: { readonly host: string; readonly port: number } | undefined
  /** HYPERX_SMTP_URL and HYPERX_SMTP_FROM: the relay alarm mail goes through; none: alarms are recorded, not mailed. */
  readonly smtp: { readonly url: string; readonly from: string } | undefined
  /** HYPERX_RECLAIM_INTERVAL_SECONDS: how often the leader looks for reclaim dates near or past (R5); default 60. */
  readonly reclaimInterval: Duration.Duration
}

/** A ConfigError, so that `hyperx agent` prints it as a setting to fix (exit 2), not as a crash. */
export class MonitoringConfigError extends ConfigError {}

const set = (value: string | undefined) => (value === undefined || value.trim() === "" ? undefined : value.trim())

const positive = (
  name: string,
  value: string | undefined,
  fallback: Duration.Duration,
  unit: (n: number) => Duration.Duration,
) => {
  const text = set(value)
  if (text === undefined) return fallback
  const n = Number(text)
  if (!/^\d{1,7}$/.test(text) || n < 1)
    throw new MonitoringConfigError(`${name} must be a whole number ≥ 1, not "${text}"`)
  return unit(n)
}

const addressOf = (text: string | undefined) => {
  const value = set(text)
  if (value === undefined) return undefined
  const match = /^(.+):(\d{1,5})$/.exec(value)
  const port = Number(match?.[2])
  if (!match?.[1] || port > 65535)
    throw new MonitoringConfigError(`HYPERX_METRICS_ADDRESS is host:port, not "${value}"`)
  return { host: match[1].replace(/^\[(.*)\]$/, "$1"), port }
}

export const resolveMonitoringConfig = (env: Env): MonitoringConfig => {
  const token = set(env.HYPERX_METRICS_TOKEN)
  if (token !== undefined && token.length < 16)
    throw new MonitoringConfigError("HYPERX_METRICS_TOKEN needs 16 characters or more")
  const smtpUrl = set(env.HYPERX_SMTP_URL)
  if (smtpUrl !== undefined && !/^smtps?:\/\//.test(smtpUrl)) {
    throw new MonitoringConfigError("HYPERX_SMTP_URL is smtp://… or smtps://…")
  }
  return {
    policy: {
      interval: positive(
        "HYPERX_METRICS_INTERVAL_SECONDS",
        env.HYPERX_METRICS_INTERVAL_SECONDS,
        defaultMetricsPolicy.interval,
        Duration.seconds,
      ),
      rawRetention: positive(
        "HYPERX_METRICS_RAW_HOURS",
        env.HYPERX_METRICS_RAW_HOURS,
        defaultMetricsPolicy.rawRetention,
        Duration.hours,
      ),
      rolledRetention: positive(
        "HYPERX_METRICS_KEEP_DAYS",
        env.HYPERX_METRICS_KEEP_DAYS,
        defaultMetricsPolicy.rolledRetention,
        Duration.days,
      ),
    },
    metricsToken: token,
    metricsAddress: addressOf(env.HYPERX_METRICS_ADDRESS),
    smtp:
      smtpUrl === undefined
        ? undefined
        : { url: smtpUrl, from: set(env.HYPERX_SMTP_FROM) ?? "hyperx <hyperx@localhost>" },
    reclaimInterval: positive(
      "HYPERX_RECLAIM_INTERVAL_SECONDS",
      env.HYPERX_RECLAIM_INTERVAL_SECONDS,
      Duration.seconds(60),
      Duration.seconds,
    ),
  }
}
