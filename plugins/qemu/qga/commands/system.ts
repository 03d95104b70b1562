import { Effect, Schema } from "effect"
import type { QgaAgent, QgaCallOptions } from "../agent.ts"
import type { QgaError } from "../errors.ts"
import { runDecoded, runVoid } from "./run.ts"

export const guestPing = (agent: QgaAgent, options?: QgaCallOptions) => runVoid(agent, "guest-ping", undefined, options)

export const GuestAgentInfo = Schema.Struct({
  version: Schema.String,
  supportedCommands: Schema.Array(
    Schema.Struct({ name: Schema.String, enabled: Schema.Boolean, successResponse: Schema.Boolean }).pipe(
      Schema.encodeKeys({ successResponse: "success-response" }),
    ),
  ),
}).pipe(Schema.encodeKeys({ supportedCommands: "supported_commands" }))
export type GuestAgentInfo = typeof GuestAgentInfo.Type

/** The agent's version and which commands it offers (a distribution may disable some, e.g. guest-exec). */
export const guestInfo = (agent: QgaAgent, options?: QgaCallOptions): Effect.Effect<GuestAgentInfo, QgaError> =>
  runDecoded(agent, "guest-info", undefined, GuestAgentInfo, options)

export const GuestOsInfo = Schema.Struct({
  id: Schema.optionalKey(Schema.String),
  name: Schema.optionalKey(Schema.String),
  prettyName: Schema.optionalKey(Schema.String),
  version: Schema.optionalKey(Schema.String),
  versionId: Schema.optionalKey(Schema.String),
  kernelRelease: Schema.optionalKey(Schema.String),
  kernelVersion: Schema.optionalKey(Schema.String),
  machine: Schema.optionalKey(Schema.String),
}).pipe(
  Schema.encodeKeys({
    prettyName: "pretty-name",
    versionId: "version-id",
    kernelRelease: "kernel-release",
    kernelVersion: "kernel-version",
  }),
)
export type GuestOsInfo = typeof GuestOsInfo.Type

/** os-release fields and uname; a guest without /etc/os-release reports only the kernel ones. */
export const guestGetOsinfo = (agent: QgaAgent, options?: QgaCallOptions): Effect.Effect<GuestOsInfo, QgaError> =>
  runDecoded(agent, "guest-get-osinfo", undefined, GuestOsInfo, options)

export const GuestFilesystemInfo = Schema.Struct({
  name: Schema.String,
  mountpoint: Schema.String,
  type: Schema.String,
  /** Missing when the agent could not statvfs the mount. */
  usedBytes: Schema.optionalKey(Schema.Number),
  totalBytes: Schema.optionalKey(Schema.Number),
}).pipe(Schema.encodeKeys({ usedBytes: "used-bytes", totalBytes: "total-bytes" }))
export type GuestFilesystemInfo = typeof GuestFilesystemInfo.Type

/** The guest's mounted file systems, as the agent reports them. */
export const guestGetFsinfo = (
  agent: QgaAgent,
  options?: QgaCallOptions,
): Effect.Effect<ReadonlyArray<GuestFilesystemInfo>, QgaError> =>
  runDecoded(agent, "guest-get-fsinfo", undefined, Schema.Array(GuestFilesystemInfo), options)

export interface FileSystemUsage {
  readonly mountpoint: string
  readonly usedBytes: number
  readonly totalBytes: number
}

/** Used and total bytes per mount point, for the mounts the agent could measure (the driver's fileSystems). */
export const fileSystemUsage = (
  agent: QgaAgent,
  options?: QgaCallOptions,
): Effect.Effect<ReadonlyArray<FileSystemUsage>, QgaError> =>
  guestGetFsinfo(agent, options).pipe(
    Effect.map((mounts) =>
      mounts.flatMap((mount) =>
        mount.usedBytes === undefined || mount.totalBytes === undefined
          ? []
          : [{ mountpoint: mount.mountpoint, usedBytes: mount.usedBytes, totalBytes: mount.totalBytes }],
      ),
    ),
  )
