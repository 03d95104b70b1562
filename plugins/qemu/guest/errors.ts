import { Schema } from "effect"

/** Building the test guest failed; `step` names the stage (resolve, download, initramfs, system-disk, …). */
export class GuestBuildError extends Schema.TaggedError<GuestBuildError>()("GuestBuildError", {
  step: Schema.String,
  message: Schema.String,
}) {}
