import { Effect } from "effect"
import { DriverError, InvalidRequest } from "../../../core/driver/errors.ts"
import type { VmSpec } from "../../../core/driver/spec.ts"
import { displayOptions, guestAgentOptions, qmpOptions, serialOptions } from "./console.ts"
import { baseDeviceOptions, passthroughOptions } from "./devices.ts"
import { bootOptions, machineOptions } from "./machine.ts"
import { nicOptions } from "./network.ts"
import { flatten, type QemuOption } from "./options.ts"
import { type QemuRuntime, runtimePaths } from "./runtime.ts"
import { cdromOptions, diskOptions } from "./storage.ts"
import { argvProblems } from "./validate.ts"

/** The command line as (option, value) pairs, in a fixed order: equal inputs give equal command lines. */
export const buildOptions = (spec: VmSpec, runtime: QemuRuntime): ReadonlyArray<QemuOption> => {
  const paths = runtimePaths(runtime.runDir)
  return [
    ...machineOptions(spec, runtime, paths),
    ...bootOptions(spec),
    ...qmpOptions(paths),
    ...serialOptions(spec, paths),
    ...baseDeviceOptions(),
    ...diskOptions(spec),
    ...cdromOptions(spec),
    ...nicOptions(spec, runtime),
    ...displayOptions(spec, runtime, paths),
    ...guestAgentOptions(spec, paths),
    ...passthroughOptions(spec),
  ]
}

/**
 * QEMU's arguments (without the binary) for `spec` on this host. Pure; it assumes `argvProblems` found nothing
 * (use `argvFor` to get both). The process is not daemonized: a supervisor owns it; QEMU writes a pidfile.
 */
export const buildArgv = (spec: VmSpec, runtime: QemuRuntime): ReadonlyArray<string> =>
  flatten(buildOptions(spec, runtime))

/** Checks, then builds: a spec the command line cannot express fails as the driver's InvalidRequest. */
export const argvFor = (spec: VmSpec, runtime: QemuRuntime, driver = "qemu") => {
  const problems = argvProblems(spec, runtime)
  return problems.length === 0
    ? Effect.succeed(buildArgv(spec, runtime))
    : Effect.fail(
        new DriverError({
          driver,
          operation: "buildArgv",
          reason: new InvalidRequest({ message: problems.join("; ") }),
        }),
      )
}
