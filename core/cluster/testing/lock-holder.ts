// A leader candidate in a process of its own, for tests that kill it with SIGKILL: prints "leading" once it leads.
import { Effect, Layer } from "effect"
import { layerLeaderLock } from "../advisory-lock.ts"
import { awaitLeading } from "../leader.ts"

const url = process.argv[2] ?? ""
Effect.runFork(
  Layer.launch(
    Layer.effectDiscard(
      Effect.andThen(
        awaitLeading(true),
        Effect.sync(() => process.stdout.write("leading\n")),
      ),
    ).pipe(Layer.provide(layerLeaderLock({ url, checkEvery: "200 millis" }))),
  ),
)
