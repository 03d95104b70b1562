import { availableParallelism, hostname, totalmem } from "node:os"
import { Effect } from "effect"
import type { Logger } from "pino"
import { clusterSealingKey } from "../../core/auth/sealing-keys.ts"
import { layerLeaderLock } from "../../core/cluster/advisory-lock.ts"
import { clusterSettingsLayer, SettingsMismatch } from "../../core/cluster/agree-settings.ts"
import { Leadership } from "../../core/cluster/leader.ts"
import { stopMovedAway } from "../../core/cluster/returning.ts"
import type { HostConfig } from "../../core/config.ts"
import { refreshHostDevices } from "../../core/devices/refresh.ts"
import { DriverRegistry } from "../../core/driver/registry.ts"
import { StoreError } from "../../core/errors.ts"
import { syncHostNetworking } from "../../core/operations/networks/host-networking.ts"
import { recover } from "../../core/operations/recovery.ts"
import { layerPostgres } from "../../core/store/layer.ts"
import { makeHostDeviceSource } from "../../plugins/host-devices/index.ts"
import { createApp } from "../app.ts"
import { openRemoteConsole } from "../cluster/console-proxy.ts"
import { makeClusterLink } from "../cluster/link.ts"
import { acceptForwards, forwardVmRequests } from "../cluster/middleware.ts"
import { makeMigrationPeers, migrationClusterRoutes } from "../cluster/migration.ts"
import { clusterRoutes, makePeers } from "../cluster/peers.ts"
import { resealAtStart } from "../cluster/sealed-secrets.ts"
import { previousClusterKeyOf, readClusterSecret } from "../cluster/secret.ts"
import { secretlessClusterLines } from "../cluster/secretless.ts"
import type { AgentRuntime } from "../env.ts"
import { pinoLoggerLayer } from "../log/effect-logger.ts"
import { defaultLogFormat, makeLogger } from "../log/logger.ts"
import { resolveMonitoringConfig } from "../monitoring/config.ts"
import { monitoringJobs } from "../monitoring/jobs.ts"
import { listenForMetrics, makePrometheus } from "../monitoring/mount.ts"
import { webSocketRoutes } from "../ws/index.ts"
import { readyLines, startingLines } from "./banner.ts"
import type { AgentConfig } from "./config.ts"
import { lockDataFolder, openDataFolder, openToHypervisorUser } from "./data-folder.ts"
import { type AgentDatabase, openAgentDatabase } from "./database.ts"
import { addDemoRoutes } from "./demo.ts"
import { chooseDriver, supportLines } from "./drivers.ts"
import { eventRetentionMs } from "./event-retention.ts"
import { fakeGuestImage, guestFilesExist, installGuestImage } from "./guest-image.ts"
import { tuneHeapForRequests } from "./heap.ts"
import { hostNetworkLayer } from "./network.ts"
import { makeStartRuntime } from "./runtime.ts"
import { seedPlatform } from "./seed.ts"
import { listen, updateHostAddress } from "./server.ts"
import { stopAgent } from "./shutdown.ts"
import { StartError } from "./start-error.ts"

/** Where the agent's messages go: `line` for what a user must read (stdout), `progress` for the rest (stderr). */
export interface AgentOutput {
  readonly line: (text: string) => void
  readonly progress: (text: string) => void
}

export interface StartOptions {
  /** The widgets' routes module (default ui-widgets/serve.ts); a path that does not exist serves a placeholder. */
  readonly widgetsModule?: string
  /** How long a stop waits for running operations before it interrupts them; default 30 s. */
  readonly graceMs?: number
  /** The environment a driver's entry point and the monitoring settings (#20) are read from; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** #21: the agent's logger; default one made from the config's level and format, writing to stderr. */
  readonly logger?: Logger
}

export interface RunningAgent {
  /** http://host:port the agent answers on. */
  readonly origin: string
  readonly port: number
  readonly runtime: AgentRuntime
  /** The superadmin token this start made (first start only). */
  readonly token: string | undefined
  /** Graceful stop: no new requests, running operations finish (or are recorded as interrupted), VMs keep running. */
  readonly stop: () => Promise<void>
  /** Resolves, with the message, if the embedded PostgreSQL stops under the running agent (the agent must stop). */
  readonly databaseLost: Promise<string>
}

export { StartError }

const displayHost = (host: string) => (host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host)

/**
 * `hyperx agent`: the data folder, the store, the driver and the core in one ManagedRuntime; the first start seeds
 * the platform (this host, flavors, the tiny guest image, a user-mode network, a demo organisation and a
 * superadmin token); every start runs recovery before it listens. Resolves once the agent answers.
 */
export const startAgent = async (
  config: AgentConfig,
  output: AgentOutput,
  options: StartOptions = {},
): Promise<RunningAgent> => {
  tuneHeapForRequests()
  const folder = openDataFolder(config.dataDir)
  const unlock = lockDataFolder(folder)
  let runtime: AgentRuntime | undefined
  let database: AgentDatabase | undefined
  try {
    for (const change of folder.tightened) output.progress(`made owner-only: ${change}`)
    const chosen = await chooseDriver(config.driver, folder, options.env ?? process.env, output.progress, {
      netns: config.network?.netns,
    })
    const driver = chosen.plugin
    const opened = await openAgentDatabase(config.databaseUrl, folder, output.progress)
    database = opened
    // After the database: as root, opening it gives the data folder to the embedded server's group (0710).
    if (driver.filesOpenedByOtherUser === true) openToHypervisorUser(folder)
    for (const text of startingLines({
      dataDir: folder.root,
      database: opened.description,
      hypervisor: driver.description ?? chosen.source,
    })) {
      output.line(text)
    }
    // #16: read once; it signs forwarded requests and, through a derived key, seals VM passwords every host opens
    const clusterSecret =
      config.clusterSecretFile === undefined ? undefined : readClusterSecret(config.clusterSecretFile)
    const clusterKey = clusterSecret === undefined ? undefined : clusterSealingKey(clusterSecret)
    const previousClusterKey = previousClusterKeyOf(config)
    const host: HostConfig["Service"] = {
      hostId: folder.hostId,
      storageDir: config.sharedStorage ?? folder.storageDir,
      imagesDir: folder.imagesDir,
      shutdownTimeoutMs: 30_000,
      secretKey: folder.secretKey,
      clusterKey,
      previousClusterKey,
    }
    const store = layerPostgres(opened.url)
    const monitoring = resolveMonitoringConfig(options.env ?? process.env) // #20
    const retention = eventRetentionMs(options.env ?? process.env) // #21 G4
    // #16: on a shared PostgreSQL the agent that holds the leader lock runs the cluster's jobs (the scheduler).
    const leadership =
      config.databaseUrl === undefined ? Leadership.layerAlone : layerLeaderLock({ url: config.databaseUrl })
    // #16: with a cluster secret, requests about another host's VMs go to its agent, signed; without, none do.
    const link = clusterSecret === undefined ? undefined : makeClusterLink(clusterSecret, folder.hostId)
    const logger =
      options.logger ?? (await makeLogger({ level: config.logLevel, format: config.logFormat ?? defaultLogFormat() }))
    const live = makeStartRuntime({
      logging: pinoLoggerLayer(logger),
      store,
      host,
      driver: driver.factory,
      // X1–X4: the real host's sysfs; the fake driver's host reports none
      ...(config.driver === "fake" ? {} : { devices: makeHostDeviceSource(config.sysfsRoot) }),
      monitoring: monitoringJobs(monitoring),
      leadership,
      ...(config.network === undefined ? {} : { network: hostNetworkLayer(config.network, folder.root) }),
      ...(link === undefined ? {} : { peers: makePeers(link), migrationPeers: makeMigrationPeers(link) }),
      // #16, R12: the timeouts and stopped-VM policy every agent shares (the database's row; a mismatch refuses)
      cluster: clusterSettingsLayer(
        { sharedStorageDir: config.sharedStorage },
        {
          suspectAfterSeconds: config.hostSuspectAfterSeconds,
          downAfterSeconds: config.hostDownAfterSeconds,
          stoppedVms: config.stoppedVms,
        },
      ),
      ...(link === undefined || config.databaseUrl === undefined ? {} : { eventRelayUrl: config.databaseUrl }),
      ...(retention === undefined ? {} : { eventRetentionMs: retention }),
    })
    runtime = live
    // #16: where the cluster's other agents reach this one (forwarded requests); known before listening when set.
    const peerUrl = config.url ?? config.publicUrl
    output.progress("opening the database and the hypervisor connection…")
    // The driver as the runtime built it: its name goes into this host's row, its support matrix to the operator.
    const built = await live.runPromise(
      Effect.gen(function* () {
        return (yield* DriverRegistry).all[0]
      }),
    )
    if (built === undefined) throw new StartError(`The driver ${chosen.source} was not built`)
    for (const text of supportLines(built)) output.line(text)
    const usesImageFiles = driver.usesImageFiles ?? true
    const seeded = await live.runPromise(
      seedPlatform({
        host: {
          name: config.name ?? hostname(),
          address: peerUrl ?? `http://${displayHost(config.host)}:${config.port}`,
          driver: built.name,
          cpus: availableParallelism(),
          memoryMiB: Math.floor(totalmem() / 1024 / 1024),
          zone: config.zone,
          cpuOvercommitPercent: config.cpuOvercommitPercent,
          memoryOvercommitPercent: config.memoryOvercommitPercent,
        },
        guestImage: usesImageFiles
          ? Effect.suspend(() => {
              output.line("Building the tiny guest image (first start only; progress below)…")
              return installGuestImage(folder.imagesDir, (text) => output.progress(`  ${text}`)).pipe(
                Effect.mapError(
                  (error) =>
                    new StartError(
                      `Building the tiny guest image failed (${error.step}): ${error.message}\n` +
                        "It needs apt-get with access to a Debian mirror, busybox-static, e2fsprogs and dropbear-bin.",
                    ),
                ),
              )
            })
          : Effect.succeed(fakeGuestImage(folder.imagesDir)),
        imageFilesMatter: usesImageFiles,
        filesExist: guestFilesExist,
      }),
    )
    // #16: passwords this host sealed under its own key, before, are sealed under the cluster's (before recovery starts
    // any VM elsewhere); a crash midway leaves the rest for the next start.
    if (clusterKey !== undefined) for (const text of await live.runPromise(resealAtStart(clusterKey))) output.line(text)
    else for (const text of await live.runPromise(secretlessClusterLines(folder.hostId))) output.line(text)
    // #16: VMs the leader moved elsewhere while this host was down must not run here too.
    if (link !== undefined) await live.runPromise(stopMovedAway())
    const recovered = await live.runPromise(recover())
    // #15: the host's bridges, taps and DHCP servers as the records want them (re-made after a reboot, leftovers gone)
    await live.runPromise(syncHostNetworking)
    // X1–X4: the host's GPUs and USB devices as they are now (a failure to read sysfs leaves the last inventory)
    await live.runPromise(
      refreshHostDevices(folder.hostId).pipe(
        Effect.catch((error) => Effect.sync(() => output.line(`Host devices not refreshed: ${error.message}`))),
      ),
    )
    // Console URLs go to the configured public address, else to where the agent listens (known once it does).
    let listening = ""
    const publicUrl = () => config.publicUrl ?? listening
    const routes = webSocketRoutes({
      publicUrl,
      ...(link === undefined ? {} : { openRemote: openRemoteConsole(link) }),
    })
    const prometheus = makePrometheus(monitoring.metricsToken === undefined ? {} : { token: monitoring.metricsToken })
    const app = createApp({
      runtime: live,
      ...(config.corsOrigins.length > 0 ? { cors: { origins: config.corsOrigins } } : {}),
      publicRoutes: [(api) => api.use("*", acceptForwards(link)), ...routes.publicRoutes],
      authenticatedRoutes:
        link === undefined
          ? routes.authenticatedRoutes
          : [...routes.authenticatedRoutes, clusterRoutes, migrationClusterRoutes],
      ...(link === undefined ? {} : { forwarding: forwardVmRequests(link, { tickets: routes.tickets, publicUrl }) }),
      prometheus,
      logger,
      logError: (message, error) => logger.error(error === undefined ? {} : { err: error }, message),
    })
    const demoBuilt = await addDemoRoutes(app, options.widgetsModule)
    const served = await listen(app, config.host, config.port)
    const origin = `http://${displayHost(config.host)}:${served.port}`
    listening = origin
    if (peerUrl === undefined && served.port !== config.port) {
      await live.runPromise(updateHostAddress(folder.hostId, origin))
    }
    const metricsListener = await listenForMetrics(live, prometheus, monitoring.metricsAddress) // #20
    const changed = recovered.filter((r) => r.was !== r.observed).length
    for (const text of readyLines({
      origin,
      demoBuilt,
      added: seeded.added,
      recovered: changed,
      token: seeded.superadminToken,
      dataDir: folder.root,
      externalDatabase: config.databaseUrl !== undefined,
    })) {
      output.line(text)
    }
    let stopping: Promise<void> | undefined
    const stop = () => {
      stopping ??= stopAgent({
        runtime: live,
        hostId: folder.hostId,
        server: served,
        database: opened,
        extras: [metricsListener],
        unlock,
        graceMs: options.graceMs ?? 30_000,
        output,
      })
      return stopping
    }
    return {
      origin,
      port: served.port,
      runtime: live,
      token: seeded.superadminToken,
      stop,
      databaseLost: opened.lost,
    }
  } catch (error) {
    await runtime?.dispose().catch(() => {})
    await database?.close().catch(() => {})
    unlock()
    if (error instanceof SettingsMismatch) throw new StartError(error.message)
    throw error instanceof StoreError ? new StartError(`The database could not be used: ${error.message}`) : error
  }
}
