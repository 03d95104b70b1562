/**
 * Builds the test guest and prints its manifest as JSON on stdout (progress goes to stderr).
 *   node --import tsx plugins/qemu/guest/cli.ts [--cache DIR] [--refresh] [--system-disk-mib N] [--usb]
 */
import { parseArgs } from "node:util"
import { Effect } from "effect"
import { buildGuest, type GuestBuildOptions } from "./build.ts"
import { USB_GUEST } from "./recipe.ts"

const { values } = parseArgs({
  options: {
    cache: { type: "string" },
    refresh: { type: "boolean", default: false },
    "system-disk-mib": { type: "string" },
    usb: { type: "boolean", default: false },
  },
})

const options: GuestBuildOptions = {
  refresh: values.refresh ?? false,
  ...(values.usb === true ? USB_GUEST : {}),
  onProgress: (line) => process.stderr.write(`${line}\n`),
  ...(values.cache === undefined ? {} : { cacheDir: values.cache }),
  ...(values["system-disk-mib"] === undefined ? {} : { systemDiskMiB: Number(values["system-disk-mib"]) }),
}

const exit = await Effect.runPromiseExit(buildGuest(options))
if (exit._tag === "Success") {
  process.stdout.write(`${JSON.stringify(exit.value, null, 2)}\n`)
} else {
  process.stderr.write(`guest build failed: ${String(exit.cause)}\n`)
  process.exitCode = 1
}
