/** A worker process started through the `.ts` loader (worker-process.ts): serves stages of any definition module. */
import { serveStages } from "./worker.ts"

serveStages()
