import type { ConformanceCase } from "../case.ts"
import { backupCases } from "./backups.ts"
import { concurrencyCases } from "./concurrency.ts"
import { consoleCases } from "./consoles.ts"
import { deviceCases } from "./devices.ts"
import { errorCases } from "./errors.ts"
import { eventCases } from "./events.ts"
import { guestCases } from "./guest.ts"
import { idempotenceCases } from "./idempotence.ts"
import { lifecycleCases } from "./lifecycle.ts"
import { migrationCases } from "./migration.ts"
import { passthroughCases } from "./passthrough.ts"
import { reattachCases } from "./reattach.ts"
import { snapshotCases } from "./snapshots.ts"

/** Every case, in run order: the basics first, so a broken driver fails early and plainly. */
export const conformanceCases: ReadonlyArray<ConformanceCase> = [
  ...lifecycleCases,
  ...idempotenceCases,
  ...errorCases,
  ...concurrencyCases,
  ...eventCases,
  ...deviceCases,
  ...passthroughCases,
  ...snapshotCases,
  ...backupCases,
  ...consoleCases,
  ...guestCases,
  ...reattachCases,
  ...migrationCases,
]
