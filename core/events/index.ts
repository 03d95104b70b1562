export * from "./bus.ts"
