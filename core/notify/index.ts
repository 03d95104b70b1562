export { type Mail, Notifier, NotifyError } from "./notifier.ts"
