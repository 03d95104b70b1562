export * from "./address.ts"
export * from "./cidr.ts"
export * from "./errors.ts"
export * from "./pool.ts"
