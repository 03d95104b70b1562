import { Cause, Layer, Logger, type LogLevel, References } from "effect"
import type { Logger as Pino } from "pino"

const levels = {
  Fatal: "fatal",
  Error: "error",
  Warn: "warn",
  Info: "info",
  Debug: "debug",
  Trace: "trace",
} as const

const minimumOf = (level: string) =>
  (Object.entries(levels).find(([, name]) => name === level)?.[0] ?? "None") as LogLevel.LogLevel

const text = (message: unknown): string =>
  Array.isArray(message)
    ? message.map((part) => (typeof part === "string" ? part : String(part))).join(" ")
    : String(message)

/**
 * The core's logs (Effect.log…) through the agent's logger: the level, the message, the log annotations as fields and
 * the cause's pretty text as `err` (a failed task's, or a defect's). Replaces Effect's console logger in the runtime.
 */
export const pinoLoggerLayer = (pino: Pino) =>
  Layer.merge(
    Logger.layer([
      Logger.make(({ logLevel, message, cause, fiber }) => {
        const level = levels[logLevel as keyof typeof levels]
        if (level === undefined || !pino.isLevelEnabled(level)) return
        const fields: Record<string, unknown> = {}
        for (const [key, value] of Object.entries(fiber.getRef(References.CurrentLogAnnotations))) {
          if (value !== undefined) fields[key] = value
        }
        if (cause.reasons.length > 0) fields.err = Cause.pretty(cause)
        pino[level](fields, text(message))
      }),
    ]),
    // The same threshold in Effect, so that a log pino would drop is not even made.
    Layer.succeed(References.MinimumLogLevel, minimumOf(pino.level)),
  )
