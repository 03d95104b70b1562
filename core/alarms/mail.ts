import type { Mail } from "../notify/notifier.ts"
import type { AlarmEventKind } from "./model.ts"

const metricNames = {
  cpu: { en: "CPU", zh: "CPU" },
  memory: { en: "memory", zh: "内存" },
  disk: { en: "disk", zh: "磁盘" },
} as const

const round = (percent: number) => Math.round(percent * 10) / 10

/** The firing or recovery mail (R1), in Chinese and English: the manual's users read Chinese first. */
export const alarmMail = (input: {
  readonly kind: AlarmEventKind
  readonly to: ReadonlyArray<string>
  readonly vm: { readonly displayName: string; readonly hostname: string }
  readonly metric: keyof typeof metricNames
  readonly valuePercent: number
  readonly thresholdPercent: number
  readonly durationMinutes: number
  readonly at: Date
}): Mail => {
  const name = metricNames[input.metric]
  const value = round(input.valuePercent)
  const who = `${input.vm.displayName} (${input.vm.hostname})`
  const fired = input.kind === "fired"
  const subject = fired
    ? `[告警] ${input.vm.displayName} ${name.zh}利用率 ${value}% ≥ ${input.thresholdPercent}% / Alarm: ${name.en} above ${input.thresholdPercent}%`
    : `[恢复] ${input.vm.displayName} ${name.zh}利用率 ${value}% < ${input.thresholdPercent}% / Recovered: ${name.en} below ${input.thresholdPercent}%`
  const text = [
    fired
      ? `虚拟机 ${who} 的${name.zh}利用率已连续 ${input.durationMinutes} 分钟不低于 ${input.thresholdPercent}%，当前 ${value}%。`
      : `虚拟机 ${who} 的${name.zh}利用率已连续 ${input.durationMinutes} 分钟低于 ${input.thresholdPercent}%，当前 ${value}%，告警已恢复。`,
    fired
      ? `VM ${who}: ${name.en} use has been at or above ${input.thresholdPercent}% for ${input.durationMinutes} min; now ${value}%.`
      : `VM ${who}: ${name.en} use has been below ${input.thresholdPercent}% for ${input.durationMinutes} min; now ${value}%. The alarm is off.`,
    `${input.at.toISOString()}`,
  ].join("\n\n")
  return { to: input.to, subject, text }
}
