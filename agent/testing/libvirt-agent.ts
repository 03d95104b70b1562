/**
 * For test files that run the agent as `npm start -- --driver libvirt` does: a scratch data folder QEMU's user can
 * pass through (libvirt hands it every file), the agent started on it, and after the file every domain of the folder
 * off and forgotten, `cleanUp` run, the folder removed. Call inside a `describe`.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after } from "node:test"
import { fileURLToPath } from "node:url"
import { forgetDomainsUnder } from "../../plugins/libvirt/testing/virsh-cli.ts"
import { hyperx, type Run, tokenPattern, up } from "../cli/testing.ts"
import { jsonApi } from "./json-api.ts"

export interface LibvirtAgent {
  readonly run: Run
  readonly origin: string
  /** The superadmin token the agent printed on its first start. */
  readonly token: string | undefined
  /** The API under /api/v1 with that token. */
  readonly api: ReturnType<typeof jsonApi>
  /** Polls `predicate` every 500 ms; fails with the agent's output after `timeoutMs`. */
  readonly until: (what: string, predicate: () => Promise<boolean> | boolean, timeoutMs?: number) => Promise<void>
  /** SIGINT, then the exit code. */
  readonly stop: () => Promise<number | null>
}

export const useLibvirtAgent = (prefix: string, cleanUp?: () => void) => {
  const work = mkdtempSync(join(tmpdir(), prefix))
  chmodSync(work, 0o755)
  const bin = fileURLToPath(new URL("../cli/hyperx.js", import.meta.url))
  let agent: Run | undefined

  after(async () => {
    agent?.child.kill("SIGINT")
    await agent?.exited
    // Whatever domain of this run libvirt still has (its disks are in this data folder): off and forgotten.
    forgetDomainsUnder(work)
    cleanUp?.()
    rmSync(work, { recursive: true, force: true })
  })

  /** The agent on the folder, with the libvirt driver and these environment variables added. */
  const start = async (env: NodeJS.ProcessEnv = {}): Promise<LibvirtAgent> => {
    const run = hyperx(["agent", "--data", join(work, "data"), "--port", "0", "--driver", "libvirt"], {
      bin,
      env: { ...process.env, ...env },
    })
    agent = run
    const origin = await up(run)
    const token = run.stdout.match(tokenPattern)?.[0]
    const until: LibvirtAgent["until"] = async (what, predicate, timeoutMs = 300_000) => {
      const deadline = Date.now() + timeoutMs
      while (!(await predicate())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${run.stdout}\n${run.stderr}`)
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
    }
    const stop = async () => {
      run.child.kill("SIGINT")
      const code = await run.exited
      agent = undefined
      return code
    }
    const api = jsonApi(
      () => `${origin}/api/v1`,
      () => token,
    )
    return { run, origin, token, api, until, stop }
  }
  return { work, start }
}
