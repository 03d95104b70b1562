/** Something a user can fix before starting again (QEMU missing, the data folder in use, a bad database URL). */
export class StartError extends Error {
  override readonly name = "StartError"
}
