import { Writable } from "node:stream"
import pino, { type DestinationStream, type Logger } from "pino"

export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const
export type LogLevel = (typeof logLevels)[number]
export const logFormats = ["json", "pretty"] as const
export type LogFormat = (typeof logFormats)[number]

export interface LoggerOptions {
  readonly level: LogLevel
  /** json: one object a line (journald, log shippers); pretty: coloured lines for a person at a terminal. */
  readonly format: LogFormat
  /** Where the lines go; default stderr (stdout is for what a user must read: the banner, the token). */
  readonly destination?: NodeJS.WritableStream
}

/** pretty on a terminal, JSON otherwise (a systemd unit, a pipe, a file). */
export const defaultLogFormat = (stream: { readonly isTTY?: boolean } = process.stderr): LogFormat =>
  stream.isTTY === true ? "pretty" : "json"

/**
 * Fields never written, wherever they appear in a logged object: a request log line carries no header or body, and
 * this is the net under it.
 */
const redact = {
  paths: ["authorization", "token", "password", "secret", "*.authorization", "*.token", "*.password", "*.secret"],
  censor: "[redacted]",
}

const settings = (level: LogLevel) => ({
  level,
  base: { name: "hyperx" },
  timestamp: pino.stdTimeFunctions.isoTime,
  redact,
})

/** The JSON logger: one object a line on `destination` (default stderr). */
export const jsonLogger = (level: LogLevel, destination: NodeJS.WritableStream = process.stderr): Logger =>
  pino(settings(level), destination as DestinationStream)

/**
 * The agent's logger (pino). pino-pretty is loaded only for the pretty format, so that an agent logging JSON (any
 * service) does not pay for it at start (bench/footprint).
 */
export const makeLogger = async (options: LoggerOptions): Promise<Logger> => {
  const destination = options.destination ?? process.stderr
  if (options.format === "json") return jsonLogger(options.level, destination)
  const { default: pretty } = await import("pino-pretty")
  const colorize = (destination as { readonly isTTY?: boolean }).isTTY === true
  return pino(
    settings(options.level),
    pretty({ destination: destination as Writable, colorize, sync: true, ignore: "pid,hostname,name" }),
  )
}

/** A logger that writes nothing (tests, and callers that give none). */
export const silentLogger = (): Logger => pino({ level: "silent" }, new Writable({ write: (_c, _e, done) => done() }))
