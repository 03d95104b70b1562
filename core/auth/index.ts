export * from "./scope.ts"
export * from "./secrets.ts"
