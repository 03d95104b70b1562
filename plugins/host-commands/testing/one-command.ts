/**
 * A program that runs one host command and then simply ends, its scope never closed: the test of makeHostCommands
 * runs it to prove that nothing a command leaves keeps a program (a CLI verb) alive.
 */
import { Effect, Scope } from "effect"
import { makeHostCommands } from "../host-commands.ts"

const scope = await Effect.runPromise(Scope.make())
const commands = await Effect.runPromise(Scope.provide(makeHostCommands, scope))
process.stdout.write((await Effect.runPromise(commands.run("echo", ["hello"]))).stdout)
