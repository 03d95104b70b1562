import { spawn } from "node:child_process"
import { Effect } from "effect"
import { classifyMessage, cleanMessage, LibvirtError } from "./errors.ts"

export interface VirshConfig {
  /** libvirt connection URI; default qemu:///system. */
  readonly uri: string
  /** The virsh binary; default "virsh" from PATH. */
  readonly binary: string
  /** How long one call may take before its process is killed; calls may ask for more. */
  readonly timeoutMs: number
}

export interface RunOptions {
  readonly timeoutMs?: number
  /**
   * virsh reads its command from stdin instead of argv, so secrets (a password) never show in the process list.
   * The arguments are quoted for virsh's own shell-like parser. In this mode virsh exits 0 even on failure and
   * echoes prompts on stdout: success is "no error on stderr", and the output is not meant to be parsed.
   */
  readonly viaStdin?: boolean
  /** What the error message calls the command (defaults to the arguments; never include secrets here). */
  readonly label?: string
}

/** Quotes one argument for virsh's command parser: single quotes, where nothing is special but the closing quote. */
export const quoteForVirsh = (argument: string) => `'${argument.replaceAll("'", `'"'"'`)}'`

/**
 * Runs `virsh -q -c <uri> <args>` to completion and yields its stdout. A non-zero exit fails with a LibvirtError
 * classified from libvirt's message; a call past its timeout is killed and fails with kind "timeout".
 */
export const runVirsh = (config: VirshConfig, args: ReadonlyArray<string>, options: RunOptions = {}) =>
  Effect.callback<string, LibvirtError>((resume) => {
    const timeoutMs = options.timeoutMs ?? config.timeoutMs
    const command = options.label ?? args.join(" ")
    const base = ["-q", "-c", config.uri]
    const child = spawn(config.binary, options.viaStdin ? base : [...base, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C", LANG: "C" },
    })
    let stdout = ""
    let stderr = ""
    let settled = false
    const settle = (effect: Effect.Effect<string, LibvirtError>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resume(effect)
    }
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      settle(
        Effect.fail(
          new LibvirtError({
            command,
            kind: "timeout",
            message: `no answer within ${timeoutMs} ms`,
            afterMs: timeoutMs,
          }),
        ),
      )
    }, timeoutMs)
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
    })
    child.once("error", (error) =>
      settle(Effect.fail(new LibvirtError({ command, kind: "spawn-failed", message: error.message }))),
    )
    child.once("close", (code) => {
      const failed = code !== 0 || (options.viaStdin === true && /^error:/m.test(stderr))
      if (!failed) return settle(Effect.succeed(stdout))
      const message = cleanMessage(stderr) || cleanMessage(stdout) || `virsh exited with ${code}`
      settle(Effect.fail(new LibvirtError({ command, kind: classifyMessage(message), message })))
    })
    child.stdin.on("error", () => {})
    child.stdin.end(options.viaStdin ? `${args.map(quoteForVirsh).join(" ")}\n` : "")
    return Effect.sync(() => {
      clearTimeout(timer)
      child.kill("SIGKILL")
    })
  })
