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
export const coreLayer = (options: {
  readonly host: HostConfig["Service"]
  readonly drivers: ReadonlyArray<Driver>
  /** X1–X4: the host's passthrough devices (plugins/host-devices over sysfs); default none. */
  readonly devices?: HostDeviceSource["Service"]
}) => {
  const host = Layer.succeed(HostConfig, HostConfig.of(options.host))
  return Layer.mergeAll(
    EventBus.layer,
    VmLocks.layer.pipe(Layer.provide(host)),
    Background.layer,
    DriverRegistry.fromDrivers(options.drivers),
    VerifiedTokens.layer,
    Layer.succeed(HostDeviceSource, options.devices ?? HostDeviceSource.none),
    host,
  )
}
