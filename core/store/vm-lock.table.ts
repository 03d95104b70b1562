/** A VM's lock (G4), one row per VM that was ever locked; `holder` null when free. */
export interface VmLocksTable {
  vmId: string
  holder: string | null
  operation: string | null
  takenAt: Date | null
}
