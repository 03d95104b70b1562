import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, type Scope } from "effect"

export interface TestQemu {
  readonly dir: string
  readonly qmpPath: string
  readonly process: ChildProcess
  /** Everything QEMU wrote to stdout/stderr so far (for failure messages). */
  readonly output: () => string
  /** Resolves with the exit code (or signal) once QEMU has exited. */
  readonly exited: Effect.Effect<number | string>
}

/** True when this machine can run the integration tests (QEMU and qemu-img installed). */
export const qemuAvailable = (): boolean =>
  ["/usr/bin/qemu-system-x86_64", "/usr/bin/qemu-img"].every((path) => existsSync(path))

export interface TestQemuOptions {
  /** Start with -S, in prelaunch (default true). */
  readonly paused?: boolean
  /** Default 96, the least the test guest boots with. */
  readonly memoryMiB?: number
  /** Runs first, in the fresh directory (create disk images here). */
  readonly prepare?: (dir: string) => void
  /** Extra QEMU arguments; paths may point into `dir`. */
  readonly args?: (dir: string) => ReadonlyArray<string>
}

/**
 * Starts QEMU (TCG, q35; by default guestless and paused with -S) with QMP on a unix socket in a fresh directory.
 * Closing the scope kills QEMU if it still runs and removes the directory.
 */
export const startTestQemu = (options: TestQemuOptions = {}): Effect.Effect<TestQemu, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const dir = mkdtempSync(join(tmpdir(), "hx-qemu-"))
      const qmpPath = join(dir, "qmp.sock")
      options.prepare?.(dir)
      const extraArgs = options.args?.(dir) ?? []
      const child = spawn(
        "qemu-system-x86_64",
        [
          ...["-accel", "tcg", "-machine", "q35", "-m", String(options.memoryMiB ?? 96)],
          ...["-nodefaults", "-no-user-config", "-display", "none", ...(options.paused === false ? [] : ["-S"])],
          ...["-qmp", `unix:${qmpPath},server=on,wait=off`, ...extraArgs],
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      )
      let output = ""
      child.stdout?.on("data", (chunk) => (output += chunk))
      child.stderr?.on("data", (chunk) => (output += chunk))
      const exitedPromise = new Promise<number | string>((resolve) =>
        child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
      )
      return {
        dir,
        qmpPath,
        process: child,
        output: () => output,
        exited: Effect.promise(() => exitedPromise),
      }
    }),
    (qemu) =>
      Effect.gen(function* () {
        if (qemu.process.exitCode === null && qemu.process.signalCode === null) qemu.process.kill("SIGKILL")
        yield* qemu.exited
        rmSync(qemu.dir, { recursive: true, force: true })
      }),
  )

/** qemu-img create, for test disks. */
export const createImage = (path: string, format: "qcow2" | "raw", size: string): void => {
  execFileSync("qemu-img", ["create", "-q", "-f", format, path, size])
}

/** `qemu-img snapshot -l -U` names, read while QEMU holds the image. */
export const listImageSnapshots = (path: string): Array<string> =>
  execFileSync("qemu-img", ["snapshot", "-l", "-U", path], { encoding: "utf8" })
    .split("\n")
    .slice(2)
    .map((line) => line.trim().split(/\s+/)[1])
    .filter((name): name is string => name !== undefined && name.length > 0)
