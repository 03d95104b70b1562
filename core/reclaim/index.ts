export { dueStep } from "./due.ts"
export { reclaimMail } from "./mail.ts"
export type { ReclaimCandidate, ReclaimNotice, ReclaimOutcome, ReclaimStep } from "./model.ts"
export { ReclaimJobLayer, reclaimRound } from "./run.ts"
