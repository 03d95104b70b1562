/** Email through an SMTP relay (nodemailer), behind the core's Notifier contract. */
export { SmtpNotifier, type SmtpOptions } from "./notifier.ts"
