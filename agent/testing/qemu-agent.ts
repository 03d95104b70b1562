/**
 * For test files that run the agent as `npm start` does, on real QEMU, in a scratch data folder: registers the
 * node:test hooks that start it (after `prepare`, e.g. building the widgets) and stop it, kill any guest left behind
 * and remove the folder. Call inside a `describe`.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before } from "node:test"
import { defaultRunRoot } from "../../plugins/qemu/driver/options.ts"
import { killAll } from "../../plugins/qemu/driver/testing.ts"
import { type RunningAgent, startAgent } from "../start/agent.ts"
import { type Env, resolveConfig } from "../start/config.ts"

export interface QemuAgentHandle {
  /** The running agent; throws when it did not start. */
  readonly live: () => RunningAgent
  /** What the agent printed, for a failing test's message. */
  readonly log: ReadonlyArray<string>
  /** The scratch data folder (VM run folders under `<data>/qemu`). */
  readonly data: string
}

export interface QemuAgentOptions {
  /** Environment variables the agent's configuration reads (HYPERX_NETWORK, HYPERX_NETNS, …). */
  readonly env?: Env
}

export const useQemuAgent = (
  prefix: string,
  prepare?: () => Promise<unknown>,
  options: QemuAgentOptions = {},
): QemuAgentHandle => {
  const data = mkdtempSync(join(tmpdir(), prefix))
  const log: Array<string> = []
  let agent: RunningAgent | undefined
  before(async () => {
    await prepare?.()
    const config = resolveConfig({ data, port: "0", driver: "qemu" }, options.env ?? {})
    agent = await startAgent(
      config,
      { line: (t) => log.push(t), progress: (t) => log.push(t) },
      { graceMs: 5_000, env: { ...process.env, ...options.env } },
    )
  })
  after(async () => {
    await agent?.stop()
    killAll(defaultRunRoot(join(data, "qemu")))
    rmSync(data, { recursive: true, force: true })
  })
  return {
    live: () => {
      if (!agent) throw new Error("the agent did not start")
      return agent
    },
    log,
    data,
  }
}
