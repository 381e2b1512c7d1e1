/** Live progress of a run: cli-progress bars with ETA on a TTY, plain lines otherwise (or silence in tests). */
import type { StageOutcome } from "./records.ts"

export interface Reporter {
  readonly stageStart: (stage: string, reasons: ReadonlyArray<string>) => void
  readonly progress: (stage: string, done: number, total: number, note?: string) => void
  readonly log: (stage: string, message: string) => void
  readonly stageEnd: (stage: string, outcome: StageOutcome, detail: string) => void
  readonly close: () => void
}

export const silentReporter: Reporter = {
  stageStart: () => undefined,
  progress: () => undefined,
  log: () => undefined,
  stageEnd: () => undefined,
  close: () => undefined
}

/** One line per event, throttled progress (at most one line per stage per second). */
export const lineReporter = (write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Reporter => {
  const lastProgress = new Map<string, number>()
  return {
    stageStart: (stage, reasons) => write(`[${stage}] running${reasons.length ? ` (${reasons.join("; ")})` : ""}`),
    progress: (stage, done, total, note) => {
      const now = Date.now()
      if (done < total && now - (lastProgress.get(stage) ?? 0) < 1000) return
      lastProgress.set(stage, now)
      write(`[${stage}] ${done}/${total}${note ? ` ${note}` : ""}`)
    },
    log: (stage, message) => write(`[${stage}] ${message}`),
    stageEnd: (stage, outcome, detail) => write(`[${stage}] ${outcome}${detail ? `: ${detail}` : ""}`),
    close: () => undefined
  }
}

/** Multi-bar display for interactive terminals; cli-progress is loaded only here. */
export const ttyReporter = async (): Promise<Reporter> => {
  const { MultiBar, Presets } = await import("cli-progress")
  const multi = new MultiBar(
    { format: " {bar} {percentage}% | ETA {eta_formatted} | {stage} {note}", hideCursor: true, clearOnComplete: false, etaBuffer: 20 },
    Presets.shades_classic
  )
  const bars = new Map<string, ReturnType<typeof multi.create>>()
  const say = (line: string) => multi.log(`${line}\n`)
  return {
    stageStart: (stage, reasons) => {
      say(`[${stage}] running${reasons.length ? ` (${reasons.join("; ")})` : ""}`)
      bars.set(stage, multi.create(1, 0, { stage, note: "" }))
    },
    progress: (stage, done, total, note) => {
      const bar = bars.get(stage)
      if (!bar) return
      bar.setTotal(total)
      bar.update(done, { stage, note: note ?? "" })
    },
    log: (stage, message) => say(`[${stage}] ${message}`),
    stageEnd: (stage, outcome, detail) => {
      const bar = bars.get(stage)
      if (bar) {
        multi.remove(bar)
        bars.delete(stage)
      }
      say(`[${stage}] ${outcome}${detail ? `: ${detail}` : ""}`)
    },
    close: () => multi.stop()
  }
}
