import { Effect, Layer } from "effect"
import { type Mail, Notifier, NotifyError } from "../../core/notify/notifier.ts"

export interface SmtpOptions {
  /** `smtp://user:pass@relay:587` or `smtps://…:465` (nodemailer's connection URL). */
  readonly url: string
  /** The sender, e.g. `hyperx <alarms@example.com>`. */
  readonly from: string
  /** Send in clear even when the relay offers STARTTLS (a relay on loopback, tests). Default false. */
  readonly ignoreTLS?: boolean
}

/** Connection failures and SMTP 4xx answers may pass later; 5xx answers and bad addresses will not. */
const retryable = (cause: unknown): boolean => {
  const error = cause as { readonly code?: string; readonly responseCode?: number }
  if (typeof error.responseCode === "number") return error.responseCode >= 400 && error.responseCode < 500
  return ["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS", "ECONNREFUSED"].includes(error.code ?? "")
}

/**
 * The SMTP notifier: one pooled nodemailer transport for the life of the layer, closed with it. nodemailer (some 40
 * modules) is loaded here, when an agent configures SMTP, not by every agent at start (#13).
 */
export const SmtpNotifier = {
  layer: (options: SmtpOptions) =>
    Layer.effect(
      Notifier,
      Effect.gen(function* () {
        const transport = yield* Effect.acquireRelease(
          Effect.promise(() => import("nodemailer")).pipe(
            Effect.map(({ default: nodemailer }) =>
              nodemailer.createTransport({ url: options.url, pool: true, ignoreTLS: options.ignoreTLS ?? false }),
            ),
          ),
          (t) => Effect.sync(() => t.close()),
        )
        return Notifier.of({
          name: "smtp",
          send: (mail: Mail) =>
            Effect.tryPromise({
              try: () =>
                transport.sendMail({
                  from: options.from,
                  to: [...mail.to],
                  subject: mail.subject,
                  text: mail.text,
                  ...(mail.html === undefined ? {} : { html: mail.html }),
                }),
              catch: (cause) =>
                new NotifyError({
                  notifier: "smtp",
                  message: cause instanceof Error ? cause.message : String(cause),
                  retryable: retryable(cause),
                }),
            }).pipe(Effect.asVoid),
        })
      }),
    ),
}
