import { ConfigError } from "./config.ts"

/**
 * #21 G4: HYPERX_EVENT_RETENTION_MINUTES, how long the events table keeps events for `/events?since=` (1–10080,
 * default 15); the cluster's leader prunes older ones every minute. Undefined: the default.
 */
export const eventRetentionMs = (env: Readonly<Record<string, string | undefined>>): number | undefined => {
  const text = env.HYPERX_EVENT_RETENTION_MINUTES?.trim()
  if (text === undefined || text === "") return undefined
  const minutes = Number(text)
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 10_080) {
    throw new ConfigError(`HYPERX_EVENT_RETENTION_MINUTES is whole minutes from 1 to 10080, not "${text}"`)
  }
  return minutes * 60_000
}
