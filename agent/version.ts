// What this agent is (#22): its package version, the API version it serves, the database schema it expects.

import { migrations } from "../core/store/migrations/index.ts"
import manifest from "../package.json" with { type: "json" }

/** The package's version (package.json; the CHANGELOG's newest entry). */
export const agentVersion: string = manifest.version
/** The API's major version: the `/api/v1` in every path. Changes only by the policy in agent/README.md. */
export const apiVersion = "1"
/** The newest migration's name: the database schema this agent migrates to on start. */
export const schemaVersion: string = Object.keys(migrations).sort().at(-1) ?? "none"
