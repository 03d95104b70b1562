import { execFile } from "node:child_process"
import { Effect } from "effect"
import { GuestBuildError } from "./errors.ts"

export interface CommandOptions {
  readonly cwd?: string
  readonly env?: Readonly<Record<string, string>>
}

/** Runs a host command to completion and yields its stdout; a non-zero exit fails with the command's stderr. */
export const runCommand = (step: string, command: string, args: ReadonlyArray<string>, options: CommandOptions = {}) =>
  Effect.callback<string, GuestBuildError>((resume) => {
    const child = execFile(
      command,
      [...args],
      {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        env: { ...process.env, LC_ALL: "C", ...options.env },
      },
      (error, stdout, stderr) => {
        if (error === null) return resume(Effect.succeed(stdout))
        const detail = stderr.trim().split("\n").slice(-5).join("\n") || error.message
        resume(Effect.fail(new GuestBuildError({ step, message: `${command} ${args.join(" ")}: ${detail}` })))
      },
    )
    return Effect.sync(() => {
      child.kill("SIGKILL")
    })
  })
