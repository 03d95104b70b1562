import { Context, Effect, Layer } from "effect"
import type { Driver } from "./driver.ts"
import { DriverError, Unsupported } from "./errors.ts"

/** The drivers this agent runs, by name; a host record names the one that drives it. */
export class DriverRegistry extends Context.Service<
  DriverRegistry,
  {
    readonly get: (name: string) => Effect.Effect<Driver, DriverError>
    readonly all: ReadonlyArray<Driver>
  }
>()("hyperx/core/driver/DriverRegistry") {
  static readonly fromDrivers = (drivers: ReadonlyArray<Driver>) =>
    Layer.succeed(
      DriverRegistry,
      DriverRegistry.of({
        all: drivers,
        get: (name) => {
          const driver = drivers.find((d) => d.name === name)
          return driver
            ? Effect.succeed(driver)
            : Effect.fail(
                new DriverError({
                  driver: name,
                  operation: "registry.get",
                  reason: new Unsupported({ capability: name }),
                }),
              )
        },
      }),
    )
}
