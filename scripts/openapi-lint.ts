/**
 * `npm run lint:openapi` (CI): the agent's OpenAPI document, as GET /api/v1/openapi.json serves it, through Redocly's
 * linter with the repository's redocly.yaml. Exits with the linter's code.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { agentOpenApiDocument } from "../agent/openapi/agent-document.ts"

const root = fileURLToPath(new URL("..", import.meta.url))
const folder = mkdtempSync(join(tmpdir(), "hyperx-openapi-"))
const file = join(folder, "openapi.json")
writeFileSync(file, JSON.stringify(await agentOpenApiDocument(), null, 2))
const redocly = createRequire(import.meta.url).resolve("@redocly/cli/bin/cli.js")
const run = spawnSync(
  process.execPath,
  [redocly, "lint", file, "--config", join(root, "redocly.yaml"), "--format=stylish"],
  // Redocly's Node 20 notice and its usage telemetry are not wanted in CI logs.
  { stdio: "inherit", env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } },
)
rmSync(folder, { recursive: true, force: true })
process.exitCode = run.status ?? 1
