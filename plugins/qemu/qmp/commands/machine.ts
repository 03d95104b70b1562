import { type Effect, Schema } from "effect"
import type { QmpError } from "../errors.ts"
import type { CallOptions, QmpMonitor } from "../monitor.ts"
import { runDecoded } from "./run.ts"

export const CpuInfo = Schema.Struct({
  cpuIndex: Schema.Number,
  qomPath: Schema.String,
  /** The host thread running this vCPU: its /proc/PID/task/TID/stat gives the vCPU's CPU time. */
  threadId: Schema.Number,
  target: Schema.String,
}).pipe(Schema.encodeKeys({ cpuIndex: "cpu-index", qomPath: "qom-path", threadId: "thread-id" }))
export type CpuInfo = typeof CpuInfo.Type

export const queryCpusFast = (
  monitor: QmpMonitor,
  options?: CallOptions,
): Effect.Effect<ReadonlyArray<CpuInfo>, QmpError> =>
  runDecoded(monitor, "query-cpus-fast", undefined, Schema.Array(CpuInfo), options)

export const VncInfo = Schema.Struct({
  enabled: Schema.Boolean,
  host: Schema.optionalKey(Schema.String),
  /** The port (or the socket path's service part). */
  service: Schema.optionalKey(Schema.String),
  family: Schema.optionalKey(Schema.String),
  auth: Schema.optionalKey(Schema.String),
})
export type VncInfo = typeof VncInfo.Type

export const queryVnc = (monitor: QmpMonitor, options?: CallOptions): Effect.Effect<VncInfo, QmpError> =>
  runDecoded(monitor, "query-vnc", undefined, VncInfo, options)

/** Runs an HMP command line and returns its text output (HMP reports its errors in that text). */
export const humanMonitorCommand = (
  monitor: QmpMonitor,
  commandLine: string,
  options?: CallOptions,
): Effect.Effect<string, QmpError> =>
  runDecoded(monitor, "human-monitor-command", { "command-line": commandLine }, Schema.String, options)
