export * from "./agent.ts"
export * from "./commands/index.ts"
export * from "./errors.ts"
export * from "./timeouts.ts"
