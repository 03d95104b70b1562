import { Effect, Layer } from "effect"
import { runAlarmEvaluator } from "../../core/alarms/index.ts"
import { whileLeader } from "../../core/cluster/leader.ts"
import { runCostJob } from "../../core/cost/index.ts"
import { MetricsCollectorLayer } from "../../core/metrics/index.ts"
import { Notifier } from "../../core/notify/index.ts"
import { ReclaimJobLayer } from "../../core/reclaim/index.ts"
import { SmtpNotifier } from "../../plugins/smtp/index.ts"
import type { MonitoringConfig } from "./config.ts"

const onLeader = <E, R>(job: Effect.Effect<unknown, E, R>) => Layer.effectDiscard(Effect.forkScoped(whileLeader(job)))

/**
 * The agent's monitoring jobs (M1, M2, M3, R5). Every agent samples its own host's VMs; the alarm evaluation, the
 * cost job and the reclaim job run on the cluster's leader only (#16), so that one agent mails and writes costs.
 */
export const monitoringJobs = (config: MonitoringConfig) => {
  const notifier = config.smtp === undefined ? Notifier.layerNone : SmtpNotifier.layer(config.smtp)
  const leaderJobs = Layer.mergeAll(
    onLeader(runAlarmEvaluator(config.policy)),
    onLeader(runCostJob),
    ReclaimJobLayer(config.reclaimInterval),
  ).pipe(Layer.provide(notifier))
  return Layer.mergeAll(MetricsCollectorLayer(config.policy), leaderJobs)
}
