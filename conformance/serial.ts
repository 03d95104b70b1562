import { connect } from "node:net"
import { Effect } from "effect"
import type { ConsoleEndpoint } from "../core/driver/driver.ts"
import { CaseFailure, describeError } from "./failure.ts"
import { describeEndpoint } from "./host.ts"

/**
 * Connects to a serial console and reads until `pattern` shows in its output; returns the text read so far. A guest
 * prints its boot line once, so a pattern that also matches a heartbeat works whenever the suite connects.
 * Exported for probe authors, e.g. a `ready` that waits for the boot line.
 */
export const readSerialUntil = (
  endpoint: ConsoleEndpoint,
  pattern: RegExp,
  timeoutMs: number,
): Effect.Effect<string, CaseFailure> =>
  Effect.suspend(() => {
    const where = describeEndpoint(endpoint)
    const socket = endpoint.kind === "unix" ? connect(endpoint.path) : connect(endpoint.port, endpoint.host)
    let text = ""
    const failure = (message: string) =>
      new CaseFailure({ message: `serial console ${where}: ${message}; it showed ${JSON.stringify(text.slice(-200))}` })
    return Effect.callback<string, CaseFailure>((resume) => {
      socket.setEncoding("utf8")
      socket.on("data", (chunk: string) => {
        text += chunk
        if (new RegExp(pattern.source, pattern.flags.replace("g", "")).test(text)) resume(Effect.succeed(text))
      })
      socket.on("error", (error) => resume(Effect.fail(failure(describeError(error)))))
      socket.on("close", () => resume(Effect.fail(failure(`closed before showing ${pattern}`))))
    }).pipe(
      Effect.timeoutOrElse({
        duration: timeoutMs,
        orElse: () => Effect.fail(failure(`did not show ${pattern} within ${timeoutMs} ms`)),
      }),
      Effect.ensuring(Effect.sync(() => socket.destroy())),
    )
  })
