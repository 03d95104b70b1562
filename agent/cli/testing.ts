// Running `hyperx` as a process in tests: its output collected, its exit awaited.
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const bin = fileURLToPath(new URL("./hyperx.js", import.meta.url))
export const tokenPattern = /hx_[A-Za-z0-9_-]{20,}/g

export interface Run {
  readonly child: ChildProcess
  stdout: string
  stderr: string
  readonly exited: Promise<number | null>
}

/** `hyperx args…`; `command` another `hyperx` (an installed package's, #22), where it runs and its environment. */
export const hyperx = (
  args: ReadonlyArray<string>,
  command: { readonly bin: string; readonly cwd?: string; readonly env?: NodeJS.ProcessEnv } = { bin },
): Run => {
  const child = spawn(process.execPath, [command.bin, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...(command.env ?? process.env) },
    ...(command.cwd === undefined ? {} : { cwd: command.cwd }),
  })
  const run: Run = {
    child,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
  }
  child.stdout?.on("data", (chunk: Buffer) => {
    run.stdout += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    run.stderr += chunk.toString()
  })
  return run
}

/** Resolves with the agent's origin once it has printed that it is up; rejects if it exits first. */
export const up = async (run: Run): Promise<string> => {
  const exited = run.exited.then((code) => {
    throw new Error(`the agent exited (${code}) before it was up:\n${run.stdout}\n${run.stderr}`)
  })
  const ready = (async () => {
    while (!run.stdout.includes("Stop the agent with Ctrl-C")) await new Promise((r) => setTimeout(r, 50))
    return run.stdout.match(/API {8}(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/)?.[1] ?? ""
  })()
  return Promise.race([ready, exited])
}
