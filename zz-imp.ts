const t0 = performance.now()
await import("./stages/split.ts")
console.log("split", (performance.now() - t0).toFixed(0))
