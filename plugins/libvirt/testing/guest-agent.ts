/**
 * Test-only: reaching inside a test guest through libvirt's guest-agent passthrough (files, a shell, power-off),
 * as the conformance probe and the integration tests need. The driver itself only offers the contract's calls.
 */
import { dirname } from "node:path"
import { Effect, Schema } from "effect"
import type { LibvirtClient } from "../virsh/client.ts"
import type { LibvirtError } from "../virsh/errors.ts"

const ExecStarted = Schema.Struct({ pid: Schema.Number })
const ExecStatus = Schema.Struct({
  exited: Schema.Boolean,
  exitcode: Schema.optionalKey(Schema.Number),
  "out-data": Schema.optionalKey(Schema.String),
  "err-data": Schema.optionalKey(Schema.String),
})
const FileRead = Schema.Struct({ "buf-b64": Schema.String, eof: Schema.Boolean })

/** Runs `sh -c script sh args…` in the guest; its stdout, or a failure with its stderr. */
export const guestShell = (client: LibvirtClient, name: string, script: string, ...args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const started = yield* client
      .agentCommand(name, "guest-exec", { path: "/bin/sh", arg: ["-c", script, "sh", ...args], "capture-output": true })
      .pipe(Effect.flatMap(Schema.decodeUnknownEffect(ExecStarted)))
    for (;;) {
      const status = yield* client
        .agentCommand(name, "guest-exec-status", { pid: started.pid })
        .pipe(Effect.flatMap(Schema.decodeUnknownEffect(ExecStatus)))
      if (status.exited) {
        const text = (data: string | undefined) => Buffer.from(data ?? "", "base64").toString("utf8")
        if (status.exitcode !== 0) {
          return yield* Effect.fail(
            new Error(`${script} failed (${status.exitcode}): ${text(status["err-data"]).trim()}`),
          )
        }
        return text(status["out-data"])
      }
      yield* Effect.sleep(50)
    }
  })

const isMissing = (error: LibvirtError | Error) => /No such file or directory/.test(error.message)

/** A guest file's content, or undefined when it does not exist. */
export const guestReadFile = (client: LibvirtClient, name: string, path: string) =>
  Effect.gen(function* () {
    const handle = yield* client.agentCommand(name, "guest-file-open", { path, mode: "r" })
    const chunks: Array<Buffer> = []
    for (;;) {
      const read = yield* client
        .agentCommand(name, "guest-file-read", { handle, count: 65536 })
        .pipe(Effect.flatMap(Schema.decodeUnknownEffect(FileRead)))
      chunks.push(Buffer.from(read["buf-b64"], "base64"))
      if (read.eof) break
    }
    yield* client.agentCommand(name, "guest-file-close", { handle })
    return Buffer.concat(chunks).toString("utf8") as string | undefined
  }).pipe(Effect.catchIf(isMissing, () => Effect.succeed(undefined)))

/** Creates or replaces a guest file and syncs it to disk. */
export const guestWriteFile = (client: LibvirtClient, name: string, path: string, content: string) =>
  Effect.gen(function* () {
    yield* guestShell(client, name, 'mkdir -p "$1"', dirname(path))
    const handle = yield* client.agentCommand(name, "guest-file-open", { path, mode: "w" })
    yield* client.agentCommand(name, "guest-file-write", { handle, "buf-b64": Buffer.from(content).toString("base64") })
    yield* client.agentCommand(name, "guest-file-close", { handle })
    yield* guestShell(client, name, "sync")
  })

/** Asks the guest to power itself off (as `poweroff` typed inside it); the agent goes away without answering. */
export const guestPowerOff = (client: LibvirtClient, name: string) =>
  client.agentCommand(name, "guest-shutdown", { mode: "powerdown" }).pipe(
    Effect.asVoid,
    Effect.catchIf(
      (error: LibvirtError) => error.kind === "agent-unavailable",
      () => Effect.void,
    ),
  )
