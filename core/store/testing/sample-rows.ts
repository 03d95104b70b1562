import { sampleOrgRows } from "./sample-org-rows.ts"
import { sampleVmRows } from "./sample-vm-rows.ts"

export { sampleIp, sampleMac } from "./sample-ids.ts"

/**
 * Valid rows with fresh ids, for tests here and elsewhere: `sampleRows.vm({ state: "running" })`. References default
 * to fresh ids that exist nowhere: pass the parents' ids as overrides (sampleWorld() builds a consistent set).
 */
export const sampleRows = { ...sampleOrgRows, ...sampleVmRows }
