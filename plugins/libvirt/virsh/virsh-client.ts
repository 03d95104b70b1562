import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Schema, type Scope } from "effect"
import { type HostCommands, makeHostCommands } from "../../host-commands/host-commands.ts"
import type { ChangeScope, LibvirtClient } from "./client.ts"
import { LibvirtError } from "./errors.ts"
import { watchEvents } from "./events.ts"
import { parseDomainList, parseDomState, parseDomStats, parseJobInfo, parseNames } from "./parse.ts"
import { type RunOptions, runVirsh, type VirshConfig } from "./run.ts"

export interface VirshClientOptions {
  /** Default qemu:///system. */
  readonly uri?: string
  /** Default "virsh" from PATH. */
  readonly binary?: string
  /** Per-call timeout; default 30 s (snapshots and reverts get 5 min, agent calls their own timeout plus 5 s). */
  readonly timeoutMs?: number
  /** Where libvirtd writes `<domain>.pid`; default /run/libvirt/qemu for qemu:///system, else none. */
  readonly pidDir?: string | null
  /** Pause before the event watcher is started again after it died; default 1 s. */
  readonly eventRestartDelayMs?: number
  /** Who starts virsh; default the host commands (`makeHostCommands`) in the client's scope. */
  readonly commands?: HostCommands
}

const SLOW_CALL_MS = 300_000
const AGENT_TIMEOUT_S = 10

const AgentReply = Schema.fromJsonString(Schema.Struct({ return: Schema.optionalKey(Schema.Unknown) }))

const scopeFlags = (scope: ChangeScope) =>
  scope.live || scope.config
    ? [...(scope.live ? ["--live"] : []), ...(scope.config ? ["--config"] : [])]
    : ["--current"]

/**
 * The libvirt client over the `virsh` command: one process per call (with a per-call timeout), XML handed over in
 * a temporary file, the events from one long-running `virsh event` owned by the caller's scope.
 */
export const makeVirshClient = (options: VirshClientOptions = {}): Effect.Effect<LibvirtClient, never, Scope.Scope> =>
  Effect.gen(function* () {
    const config: VirshConfig = {
      uri: options.uri ?? "qemu:///system",
      binary: options.binary ?? "virsh",
      timeoutMs: options.timeoutMs ?? 30_000,
    }
    const pidDir =
      options.pidDir === undefined ? (config.uri === "qemu:///system" ? "/run/libvirt/qemu" : null) : options.pidDir
    const commands = options.commands ?? (yield* makeHostCommands)
    const run = (args: ReadonlyArray<string>, runOptions?: RunOptions) => runVirsh(config, commands, args, runOptions)
    const done = (args: ReadonlyArray<string>, runOptions?: RunOptions) => Effect.asVoid(run(args, runOptions))

    /** Runs a command that reads an XML file; the file lives in a private folder for the call's duration. */
    const withXmlFile = <A>(xml: string, use: (file: string) => Effect.Effect<A, LibvirtError>) =>
      Effect.acquireUseRelease(
        Effect.promise(() => mkdtemp(join(tmpdir(), "hyperx-virsh-"))),
        (dir) =>
          Effect.promise(() => writeFile(join(dir, "device.xml"), xml, { mode: 0o600 })).pipe(
            Effect.andThen(use(join(dir, "device.xml"))),
          ),
        (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true })),
      )

    const agentCommand: LibvirtClient["agentCommand"] = (name, execute, args, callOptions = {}) => {
      const timeoutS = callOptions.timeoutS ?? AGENT_TIMEOUT_S
      const json = JSON.stringify(args === undefined ? { execute } : { execute, arguments: args })
      const runOptions: RunOptions = {
        timeoutMs: timeoutS * 1000 + 5_000,
        label: `qemu-agent-command ${name} ${execute}`,
        viaStdin: callOptions.secret === true,
      }
      const call = run(["qemu-agent-command", name, json, "--timeout", String(timeoutS)], runOptions)
      if (callOptions.secret === true) return Effect.as(call, undefined)
      return call.pipe(
        Effect.flatMap((output) => {
          const decoded = Schema.decodeUnknownExit(AgentReply)(output.trim())
          return Exit.isSuccess(decoded)
            ? Effect.succeed(decoded.value.return)
            : Effect.fail(
                new LibvirtError({
                  command: runOptions.label ?? execute,
                  kind: "other",
                  message: `unreadable guest-agent reply: ${output.slice(0, 200)}`,
                }),
              )
        }),
      )
    }

    const watch = yield* watchEvents(config, { restartDelayMs: options.eventRestartDelayMs ?? 1_000 })

    const client: LibvirtClient = {
      uri: config.uri,
      version: () =>
        run(["version"]).pipe(
          Effect.map((output) => {
            const library = /Using library: (.+)/.exec(output)?.[1]?.trim() ?? "libvirt"
            const hypervisor = /Running hypervisor: (.+)/.exec(output)?.[1]?.trim()
            return hypervisor === undefined ? library : `${library}, ${hypervisor}`
          }),
        ),
      domainState: (name) => run(["domstate", "--reason", name]).pipe(Effect.map(parseDomState)),
      listDomains: () => run(["list", "--all", "--title"]).pipe(Effect.map(parseDomainList)),
      pid: (name) =>
        pidDir === null
          ? Effect.succeed(undefined)
          : Effect.promise(() => readFile(join(pidDir, `${name}.pid`), "utf8").catch(() => "")).pipe(
              Effect.map((text) => {
                const pid = Number.parseInt(text.trim(), 10)
                return Number.isInteger(pid) && pid > 0 ? pid : undefined
              }),
            ),
      defineXml: (xml) => withXmlFile(xml, (file) => done(["define", file])),
      undefine: (name) => done(["undefine", name, "--managed-save", "--snapshots-metadata", "--checkpoints-metadata"]),
      start: (name, startOptions = {}) =>
        done(["start", name, ...(startOptions.paused ? ["--paused"] : [])], { timeoutMs: SLOW_CALL_MS }),
      resume: (name) => done(["resume", name]),
      suspend: (name) => done(["suspend", name]),
      destroy: (name) => done(["destroy", name]),
      shutdown: (name) => done(["shutdown", name, "--mode", "acpi"]),
      reboot: (name) => done(["reboot", name, "--mode", "acpi"]),
      reset: (name) => done(["reset", name]),
      managedSave: (name, saveOptions) =>
        done(["managedsave", name, saveOptions.running ? "--running" : "--paused"], { timeoutMs: SLOW_CALL_MS }),
      managedSaveRemove: (name) => done(["managedsave-remove", name]),
      dumpXml: (name, dumpOptions = {}) => run(["dumpxml", name, ...(dumpOptions.inactive ? ["--inactive"] : [])]),
      attachDevice: (name, xml, scope) =>
        withXmlFile(xml, (file) => done(["attach-device", name, file, ...scopeFlags(scope)])),
      detachDeviceAlias: (name, alias, scope) => done(["detach-device-alias", name, alias, ...scopeFlags(scope)]),
      changeMedia: (name, target, source, scope) =>
        done(
          source === null
            ? ["change-media", name, target, "--eject", "--force", ...scopeFlags(scope)]
            : ["change-media", name, target, source, "--update", ...scopeFlags(scope)],
        ),
      snapshotCreate: (name, snapshot, description) =>
        done(["snapshot-create-as", name, "--name", snapshot, "--description", description], {
          timeoutMs: SLOW_CALL_MS,
        }),
      snapshotRevert: (name, snapshot, revertOptions) =>
        done(["snapshot-revert", name, "--snapshotname", snapshot, ...(revertOptions.paused ? ["--paused"] : [])], {
          timeoutMs: SLOW_CALL_MS,
        }),
      snapshotDelete: (name, snapshot) =>
        done(["snapshot-delete", name, "--snapshotname", snapshot], { timeoutMs: SLOW_CALL_MS }),
      snapshotNames: (name) => run(["snapshot-list", name, "--name"]).pipe(Effect.map(parseNames)),
      snapshotXml: (name, snapshot) => run(["snapshot-dumpxml", name, "--snapshotname", snapshot]),
      backupBegin: (name, backupXml, checkpointXml, backupOptions) =>
        withXmlFile(backupXml, (backupFile) =>
          withXmlFile(checkpointXml, (checkpointFile) =>
            done([
              "backup-begin",
              name,
              backupFile,
              checkpointFile,
              ...(backupOptions.reuseExternal ? ["--reuse-external"] : []),
            ]),
          ),
        ),
      jobType: (name, jobOptions) =>
        run(["domjobinfo", name, ...(jobOptions.completed ? ["--completed"] : [])]).pipe(
          Effect.map((output) => /Job type:\s*(\S+)/.exec(output)?.[1] ?? "None"),
        ),
      checkpointNames: (name) => run(["checkpoint-list", name, "--name"]).pipe(Effect.map(parseNames)),
      checkpointXml: (name, checkpoint) => run(["checkpoint-dumpxml", name, checkpoint]),
      checkpointDelete: (name, checkpoint) => done(["checkpoint-delete", name, checkpoint]),
      domainStats: (name, groups) =>
        run(["domstats", "--raw", ...groups.map((group) => `--${group}`), name]).pipe(
          Effect.map((output) => parseDomStats(output).get(name) ?? {}),
        ),
      agentCommand,
      migrate: (name, targetUri, migrateOptions) =>
        withXmlFile(migrateOptions.xml, (file) =>
          done(
            [
              "migrate",
              "--live",
              "--p2p",
              "--persistent",
              "--xml",
              file,
              "--persistent-xml",
              file,
              "--migrateuri",
              migrateOptions.migrateUri,
              ...(migrateOptions.copyStorage ? ["--copy-storage-all"] : []),
              ...(migrateOptions.disksPort === undefined ? [] : ["--disks-port", String(migrateOptions.disksPort)]),
              ...(migrateOptions.unsafe ? ["--unsafe"] : []),
              ...(migrateOptions.autoConverge ? ["--auto-converge"] : []),
              ...(migrateOptions.bandwidthMiBps === undefined
                ? []
                : ["--bandwidth", String(migrateOptions.bandwidthMiBps)]),
              name,
              targetUri,
            ],
            { timeoutMs: migrateOptions.timeoutMs },
          ),
        ),
      jobInfo: (name, jobOptions) =>
        run(["domjobinfo", name, ...(jobOptions.completed ? ["--completed"] : [])]).pipe(Effect.map(parseJobInfo)),
      jobAbort: (name) => done(["domjobabort", name]),
      setMaxDowntime: (name, ms) => done(["migrate-setmaxdowntime", name, String(ms)]),
      migratableXml: (name) => run(["dumpxml", name, "--migratable"]),
      events: watch.events,
    }
    return client
  })
