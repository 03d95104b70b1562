import { Duration } from "effect"

/** How often and how long usage is kept (M1); the agent's defaults, each overridable by the operator. */
export interface MetricsPolicy {
  /** Between two samples of a VM; default 30 s. */
  readonly interval: Duration.Duration
  /** Raw samples are kept this long; default a day. */
  readonly rawRetention: Duration.Duration
  /** Five-minute averages are kept this long; default 30 days. */
  readonly rolledRetention: Duration.Duration
}

export const defaultMetricsPolicy: MetricsPolicy = {
  interval: Duration.seconds(30),
  rawRetention: Duration.days(1),
  rolledRetention: Duration.days(30),
}
