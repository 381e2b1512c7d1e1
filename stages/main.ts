/** Entry point of `pnpm pipeline <command>`: the generic CLI over the SEED pipeline. */
import { runCli } from "../pipeline/cli/run-cli.ts"
import { seedPipeline } from "./seed-pipeline.ts"

runCli(seedPipeline)
