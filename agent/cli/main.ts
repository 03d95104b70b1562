import { type AgentOutput, StartError, startAgent } from "../start/agent.ts"
import { ConfigError, type Env, resolveConfig } from "../start/config.ts"
import { DataFolderError } from "../start/data-folder.ts"
import { agentVersion, apiVersion, schemaVersion } from "../version.ts"
import { runAdmin } from "./admin-client.ts"
import { apiUsage, isApiCommand, parseApiCommand } from "./api-args.ts"
import { runApiCommand } from "./api-commands.ts"
import { parseCommand } from "./args.ts"
import { convertPglite } from "./convert-pglite.ts"
import { formatChecks, runDoctor } from "./doctor.ts"
import { DriverInitError, initDriver } from "./driver-init.ts"
import { formatResult } from "./format.ts"

export interface CliIo {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  readonly env: Env
  /** Resolves on the first SIGINT or SIGTERM; calls `again` on a later one. */
  readonly onStopSignal: (again: () => void) => Promise<string>
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  onStopSignal: (again) =>
    new Promise((resolve) => {
      let firstAt = 0
      const handle = (signal: NodeJS.Signals) => {
        // A Ctrl-C under `npm start` may arrive twice at once (from the terminal and forwarded by npm).
        if (firstAt === 0) {
          firstAt = Date.now()
          resolve(signal)
        } else if (Date.now() - firstAt > 1_000) again()
      }
      process.on("SIGINT", handle).on("SIGTERM", handle)
    }),
}

/** Errors a user can act on are printed as they are; anything else with its stack, as a bug. */
const describe = (error: unknown) =>
  error instanceof StartError || error instanceof ConfigError || error instanceof DataFolderError
    ? error.message
    : error instanceof Error
      ? `${error.message}${error.stack ? `\n${error.stack}` : ""}`
      : String(error)

/** `hyperx …`: returns the exit code (0 done, 1 failed, 2 bad usage). The agent returns when it has stopped. */
export const main = async (argv: ReadonlyArray<string>, io: CliIo = processIo): Promise<number> => {
  if (argv[0] === "--version" || argv[0] === "-v") {
    io.out(`hyperx ${agentVersion} (API v${apiVersion}, database schema ${schemaVersion})`)
    return 0
  }
  // `hyperx doctor [--data D] [--database-url U] [--driver D]`: the agent's flags, checked instead of run (#22).
  if (argv[0] === "doctor") {
    const asAgent = parseCommand(["agent", ...argv.slice(1)])
    if (asAgent.kind !== "agent") return main(["help", "agent"], io).then(() => 2)
    const checks = await runDoctor(resolveConfig(asAgent.flags, io.env))
    for (const line of formatChecks(checks)) io.out(line)
    return checks.some((check) => check.status === "fail") ? 1 : 0
  }
  // `hyperx driver init <dir>`: a driver package to start from, the conformance suite wired in (#21).
  if (argv[0] === "driver") {
    const dir = argv[2]
    if (argv[1] !== "init" || dir === undefined || argv.length > 3) {
      io.err("usage: hyperx driver init <dir>")
      return 2
    }
    try {
      for (const line of initDriver(dir)) io.out(line)
      return 0
    } catch (error) {
      if (!(error instanceof DriverInitError)) throw error
      io.err(`hyperx: ${error.message}`)
      return 1
    }
  }
  // `hyperx vm …`, `tasks`, `events --follow`: the running agent's API (#21).
  if (isApiCommand(argv)) {
    if (argv.includes("--help") || argv.includes("-h")) {
      io.out(apiUsage)
      return 0
    }
    const parsed = parseApiCommand(argv)
    if (parsed.kind === "error") {
      io.err(`hyperx: ${parsed.message}\n\n${parsed.help}`)
      return 2
    }
    const following = parsed.verb.verb === "events"
    return runApiCommand(parsed, { ...io, ...(following ? { stopped: io.onStopSignal(() => process.exit(130)) } : {}) })
  }
  const command = parseCommand(argv)
  if (command.kind === "help") {
    io.out(command.text)
    return 0
  }
  if (command.kind === "error") {
    io.err(`hyperx: ${command.message}\n\n${command.help}`)
    return 2
  }
  try {
    const config = resolveConfig(command.flags, io.env)
    if (command.kind === "convert") {
      io.out(await convertPglite(config.dataDir, command.pglite, io.err))
      return 0
    }
    if (command.kind === "admin") {
      const reply = await runAdmin(config, command.request)
      if (!reply.ok) {
        io.err(`hyperx: ${reply.message}`)
        return 1
      }
      if (command.output === "json") io.out(JSON.stringify(reply.result, null, 2))
      else if (command.output === "quiet" && command.request.verb === "token.create")
        io.out((reply.result as { readonly secret: string }).secret)
      else for (const line of formatResult(command.request, reply.result)) io.out(line)
      return 0
    }
    const output: AgentOutput = { line: io.out, progress: io.err }
    const agent = await startAgent(config, output, { env: io.env })
    const stopped = io.onStopSignal(() => {
      io.err("Stopping at once; running operations are recovered at the next start.")
      process.exit(130)
    })
    // The embedded PostgreSQL gone under the agent: stop (exit 1) so that a supervisor restarts both.
    const why = await Promise.race([
      stopped.then((signal) => ({ lost: false, text: `${signal} received` })),
      agent.databaseLost.then((text) => ({ lost: true, text })),
    ])
    io.err(why.text)
    await agent.stop()
    return why.lost ? 1 : 0
  } catch (error) {
    io.err(`hyperx: ${describe(error)}`)
    return error instanceof ConfigError ? 2 : 1
  }
}
