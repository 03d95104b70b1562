export * from "./scope.ts"
export * from "./secrets.ts"
export * from "./tokens.ts"
export * from "./verified-tokens.ts"
