import { Context, Effect, Layer, Schema } from "effect"

/** One message to people: plain text always, HTML when the sender has it. Addresses are already checked (R1). */
export interface Mail {
  readonly to: ReadonlyArray<string>
  readonly subject: string
  readonly text: string
  readonly html?: string
}

/** Sending failed; `retryable` when trying again later may work (the relay is away, a 4xx SMTP answer). */
export class NotifyError extends Schema.TaggedError<NotifyError>()("NotifyError", {
  notifier: Schema.String,
  message: Schema.String,
  retryable: Schema.Boolean,
}) {
  get isRetryable() {
    return this.retryable
  }
}

/**
 * The contract a notification plug-in implements (plugins/smtp over nodemailer). The core decides who is told
 * and what; a notifier only delivers. `name` says which plug-in answered, for the alarm history.
 */
export class Notifier extends Context.Service<
  Notifier,
  {
    readonly name: string
    readonly send: (mail: Mail) => Effect.Effect<void, NotifyError>
  }
>()("hyperx/core/notify/Notifier") {
  /** No delivery configured: every send fails (not retryable), so the history says why nobody was told. */
  static readonly layerNone = Layer.succeed(
    Notifier,
    Notifier.of({
      name: "none",
      send: () =>
        Effect.fail(new NotifyError({ notifier: "none", message: "no notifier is configured", retryable: false })),
    }),
  )
}
