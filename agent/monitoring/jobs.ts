import { Effect, Layer } from "effect"
import { runAlarmEvaluator } from "../../core/alarms/index.ts"
import { CostJobLayer } from "../../core/cost/index.ts"
import { MetricsCollectorLayer } from "../../core/metrics/index.ts"
import { Notifier } from "../../core/notify/index.ts"
import { SmtpNotifier } from "../../plugins/smtp/index.ts"
import type { MonitoringConfig } from "./config.ts"

/**
 * The agent's monitoring jobs (M1, M2, M3): the metrics collector, the alarm evaluation with its notifier, and the
 * cost job. For now every agent runs them; the alarm and cost jobs move to the cluster's leader with #16.
 */
export const monitoringJobs = (config: MonitoringConfig) => {
  const notifier = config.smtp === undefined ? Notifier.layerNone : SmtpNotifier.layer(config.smtp)
  const alarms = Layer.effectDiscard(Effect.forkScoped(runAlarmEvaluator(config.policy))).pipe(Layer.provide(notifier))
  return Layer.mergeAll(MetricsCollectorLayer(config.policy), alarms, CostJobLayer)
}
