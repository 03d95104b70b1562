import { Layer } from "effect"
import { VerifiedTokens } from "./auth/verified-tokens.ts"
import { HostConfig } from "./config.ts"
import { HostDeviceSource } from "./devices/source.ts"
import type { Driver } from "./driver/driver.ts"
import { DriverRegistry } from "./driver/registry.ts"
import { EventBus } from "./events/bus.ts"
import { Background } from "./operations/background.ts"
import { VmLocks } from "./operations/vm-lock.ts"

/**
 * The core's services around a store: events, per-VM locks, the background scope for running tasks, the
 * drivers and this host's configuration. The caller provides the Store layer (PostgreSQL).
 */
export const coreLayer = <R = never>(options: {
  readonly host: HostConfig["Service"]
  readonly drivers: ReadonlyArray<Driver>
  /** X1–X4: the host's passthrough devices (plugins/host-devices over sysfs); default none. */
  readonly devices?: HostDeviceSource["Service"]
  /** #21: the event bus; default the in-memory one (the agent passes layerPersistedEvents, which needs the Store). */
  readonly events?: Layer.Layer<EventBus, never, R | HostConfig>
}) => {
  const host = Layer.succeed(HostConfig, HostConfig.of(options.host))
  const events: Layer.Layer<EventBus, never, R> =
    options.events === undefined ? EventBus.layer : options.events.pipe(Layer.provide(host))
  return Layer.mergeAll(
    events,
    VmLocks.layer.pipe(Layer.provide(host)),
    Background.layer,
    DriverRegistry.fromDrivers(options.drivers),
    VerifiedTokens.layer,
    Layer.succeed(HostDeviceSource, options.devices ?? HostDeviceSource.none),
    host,
  )
}
