import { readdir, readFile, readlink, stat, writeFile } from "node:fs/promises"
import { basename, join } from "node:path"
import { Effect } from "effect"
import { DriverError, HypervisorFailure } from "../../core/driver/errors.ts"

/** A failure to read or write sysfs, as the core sees host-device failures: a DriverError of "host-devices". */
export const deviceFailure = (operation: string, message: string) =>
  new DriverError({
    driver: "host-devices",
    operation,
    reason: new HypervisorFailure({ message, retryable: false }),
  })

const attempt = <A>(operation: string, what: string, run: () => Promise<A>) =>
  Effect.tryPromise({
    try: run,
    catch: (cause) => deviceFailure(operation, `${what}: ${cause instanceof Error ? cause.message : String(cause)}`),
  })

/** sysfs seen from a root folder ("/" on a host, a prepared tree in tests). */
export const sysfsAt = (root: string) => {
  const path = (...parts: ReadonlyArray<string>) => join(root, "sys", ...parts)
  /** A file's first line, or null when it is not there (sysfs attributes differ between devices and kernels). */
  const read = (operation: string, file: string) =>
    attempt(operation, `read ${file}`, () =>
      readFile(file, "utf8").then(
        (text) => text.split("\n")[0]?.trim() ?? "",
        (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? null : Promise.reject(error)),
      ),
    )
  /** The last part of a symbolic link's target (a driver's or IOMMU group's name), or null without link. */
  const linkName = (operation: string, link: string) =>
    attempt(operation, `readlink ${link}`, () =>
      readlink(link).then(
        (target) => basename(target),
        (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? null : Promise.reject(error)),
      ),
    )
  const list = (operation: string, folder: string) =>
    attempt(operation, `list ${folder}`, () =>
      readdir(folder).then(
        (names) => names.sort(),
        (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? [] : Promise.reject(error)),
      ),
    )
  const exists = (operation: string, file: string) =>
    attempt(operation, `stat ${file}`, () =>
      stat(file).then(
        () => true,
        (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? false : Promise.reject(error)),
      ),
    )
  /** One write of a sysfs attribute: the kernel acts on each write as a command. */
  const write = (operation: string, file: string, value: string) =>
    attempt(operation, `write ${file}`, () => writeFile(file, value))
  return { path, read, linkName, list, exists, write }
}

export type Sysfs = ReturnType<typeof sysfsAt>
