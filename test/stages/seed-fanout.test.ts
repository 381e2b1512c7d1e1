/**
 * The training seeds fan the real SEED graph out per seed, and adding a seed leaves every other
 * stage's fingerprint alone, so a rerun computes only the new seed's stages (and the report).
 * No training: upstream output hashes are stood in for by hashes of the upstream fingerprints,
 * which is what a deterministic stage guarantees (same fingerprint, same bytes).
 */
import { it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { createHash } from "node:crypto"
import * as path from "node:path"
import { describe, expect } from "vitest"
import { fingerprintComponents, fingerprintOf, stageParams } from "../../pipeline/fingerprint.ts"
import { Session, sessionLayer, type SessionApi } from "../../pipeline/session.ts"
import { StatCache } from "../../pipeline/stat-cache.ts"
import { seedPipeline } from "../../stages/seed-pipeline.ts"
import { sharedTempDir } from "../support/temp-dir.ts"

const store = path.join(sharedTempDir("seed-fanout-"), "store")
/** The session of a config, with the stat cache its fingerprints are hashed through. */
const session = (sets: ReadonlyArray<string>, profile = "smoke") =>
  Effect.all({ session: Session, cache: StatCache }).pipe(
    Effect.map(({ session, cache }) => ({ ...session, cache })),
    Effect.provide(sessionLayer(seedPipeline, { store, profile, sets }))
  )
type OpenedSession = SessionApi & { readonly cache: StatCache }

/** Stage name -> fingerprint, every stage's inputs hashed from its producer's fingerprint. */
const fingerprints = (s: OpenedSession) =>
  Effect.gen(function* () {
    const out = new Map<string, string>()
    for (const stage of s.graph.order) {
      const params = yield* stageParams(stage, s.loaded.config)
      const inputs = Object.fromEntries(
        Object.entries(stage.inputs).map(([local, ref]) => [local, createHash("sha256").update(`${out.get(ref.stage)}/${ref.output}`).digest("hex")])
      )
      out.set(stage.name, fingerprintOf(yield* fingerprintComponents(stage, params, inputs, s.cache)))
    }
    return out
  })

/** The stages whose fingerprint differs between two configs' graphs: what a rerun computes. */
const changedStages = (before: Map<string, string>, after: Map<string, string>) =>
  [...after.keys()].filter((name) => before.get(name) !== after.get(name)).sort()

const seeded = ["autoencoder", "contrastive", "infomax", "random-encoder", "supervised"]
/** The pretrain, probe and kNN stages of these methods at one training seed. */
const stagesOf = (methods: ReadonlyArray<string>, seed: number) =>
  methods.flatMap((m) => ["pretrain", "probe", "knn"].map((k) => `${k}:${m}@s${seed}`))

describe("training seeds in the SEED graph", () => {
  it.effect("fan pretrain, probe and kNN out per seed; raw pixels run once", () =>
    Effect.gen(function* () {
      const names = [...(yield* session(["seeds=[0,1]"])).graph.byName.keys()]
      for (const name of stagesOf(seeded, 1)) expect(names).toContain(name)
      expect(names.filter((n) => n.includes("raw-pixels"))).toEqual(["pretrain:raw-pixels", "probe:raw-pixels", "knn:raw-pixels"])
      expect(names).toHaveLength(2 + 3 * (1 + 2 * seeded.length) + 1)
    })
  )

  it.effect("going from seeds [0, 1] to [0, 1, 2] changes only the new seed's stages and the report", () =>
    Effect.gen(function* () {
      const before = yield* fingerprints(yield* session(["seeds=[0,1]"]))
      const after = yield* fingerprints(yield* session(["seeds=[0,1,2]"]))
      expect(changedStages(before, after)).toEqual([...stagesOf(seeded, 2), "report"].sort())
    })
  )

  it.effect("a change of epochs or learning rate reruns the trained methods, not the random encoder; its batch size reruns that too", () =>
    Effect.gen(function* () {
      const base = yield* fingerprints(yield* session([]))
      const changed = (after: Map<string, string>) => changedStages(base, after)
      const trained = seeded.filter((m) => m !== "random-encoder")
      for (const set of ["training.epochs=2", "training.learningRate=0.01"]) {
        expect(changed(yield* fingerprints(yield* session([set])))).toEqual([...stagesOf(trained, 0), "report"].sort())
      }
      expect(changed(yield* fingerprints(yield* session(["training.batchSize=8"])))).toEqual([...stagesOf(seeded, 0), "report"].sort())
    })
  )

  it.effect("profiles: one seed in quick and smoke, three in full; a config without `seeds` trains at `seed`", () =>
    Effect.gen(function* () {
      const seedsOf = (s: OpenedSession) => [...s.graph.byName.keys()].filter((n) => n.startsWith("pretrain:contrastive"))
      expect(seedsOf(yield* session([], "quick"))).toEqual(["pretrain:contrastive@s0"])
      expect(seedsOf(yield* session([], "smoke"))).toEqual(["pretrain:contrastive@s0"])
      expect(seedsOf(yield* session([], "full"))).toEqual(["pretrain:contrastive@s0", "pretrain:contrastive@s1", "pretrain:contrastive@s2"])
      const legacy = yield* session(["seed=7"])
      expect(seedsOf(legacy)).toEqual(["pretrain:contrastive@s7"])
      const pretrain = legacy.graph.byName.get("pretrain:contrastive@s7")!
      expect(((yield* stageParams(pretrain, legacy.loaded.config)).encoded as { seed: number }).seed).toBe(7)
    })
  )

  it.effect("rejects a seed listed twice with a config error naming the key", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(session(["seeds=[0,1,1]"]))
      expect(error._tag).toBe("ConfigError")
      expect(error.message).toContain("seeds: 1 is listed twice")
    })
  )
})
