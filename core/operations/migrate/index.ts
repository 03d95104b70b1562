export * from "./cancel.ts"
export * from "./incoming.ts"
export * from "./migrate.ts"
export * from "./peers.ts"
