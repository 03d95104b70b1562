import { Effect } from "effect"
import type { HostCommands } from "../../host-commands/host-commands.ts"
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
export const runVirsh = (
  config: VirshConfig,
  commands: HostCommands,
  args: ReadonlyArray<string>,
  options: RunOptions = {},
): Effect.Effect<string, LibvirtError> => {
  const timeoutMs = options.timeoutMs ?? config.timeoutMs
  const command = options.label ?? args.join(" ")
  const base = ["-q", "-c", config.uri]
  return commands
    .run(config.binary, options.viaStdin ? base : [...base, ...args], {
      env: { LC_ALL: "C", LANG: "C" },
      input: options.viaStdin ? `${args.map(quoteForVirsh).join(" ")}\n` : "",
    })
    .pipe(
      Effect.mapError((failure) => new LibvirtError({ command, kind: "spawn-failed", message: failure.message })),
      Effect.flatMap(({ stdout, stderr, code }) => {
        const failed = code !== 0 || (options.viaStdin === true && /^error:/m.test(stderr))
        if (!failed) return Effect.succeed(stdout)
        const message = cleanMessage(stderr) || cleanMessage(stdout) || `virsh exited with ${code}`
        return Effect.fail(new LibvirtError({ command, kind: classifyMessage(message), message }))
      }),
      // Interrupting the call kills virsh.
      Effect.timeoutOrElse({
        duration: timeoutMs,
        orElse: () =>
          Effect.fail(
            new LibvirtError({
              command,
              kind: "timeout",
              message: `no answer within ${timeoutMs} ms`,
              afterMs: timeoutMs,
            }),
          ),
      }),
    )
}
