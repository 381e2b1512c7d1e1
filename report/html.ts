/**
 * report.html: one self-contained page (inline CSS, inline SVG charts, no scripts, no URLs)
 * holding the results table and every chart.
 */
import { accuracyCell, intervalCell, percent } from "./markdown.ts"
import { isBaseline, type ResultRow } from "./results.ts"

/** A rendered chart and where it goes on the page. */
export interface ChartFigure {
  /** DOM id of the figure, also used by the browser test to find it. */
  readonly id: string
  readonly caption: string
  readonly svg: string
}

export interface ReportSection {
  readonly title: string
  readonly note?: string
  readonly figures: ReadonlyArray<ChartFigure>
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const style = `
body { font-family: sans-serif; margin: 2em auto; max-width: 1320px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 10px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.baseline td { color: #555; background: #f6f6f6; }
div.figures { display: flex; flex-wrap: wrap; align-items: flex-start; }
figure { margin: 0.5em; }
figcaption { font-size: 0.9em; color: #555; }
`

const resultsTableHtml = (rows: ReadonlyArray<ResultRow>): string => {
  const header = ["Method", "Role", "Seeds", "Linear Top-1", "95% interval", "kNN Top-1", "95% interval", "Linear Top-5", "kNN Top-5", "Epochs", "Wall time per seed (s)", "Images/s"]
  const body = rows.map((r) => {
    const numbers = [
      String(r.seeds),
      accuracyCell(r.linear),
      intervalCell(r.linear),
      accuracyCell(r.knn),
      intervalCell(r.knn),
      percent(r.linearTop5),
      percent(r.knnTop5),
      String(r.epochs),
      r.epochs === 0 ? "n/a" : r.wallSeconds.toFixed(1),
      r.imagesPerS === null ? "n/a" : r.imagesPerS.toFixed(0)
    ]
    const cells = [
      `<td>${escapeHtml(r.method)}</td>`,
      `<td>${escapeHtml(r.role)}</td>`,
      ...numbers.map((v) => `<td class="num">${v}</td>`)
    ]
    return `<tr class="${isBaseline(r.kind) ? "baseline" : "ssl"}">${cells.join("")}</tr>`
  })
  return `<table id="results"><thead><tr>${header.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>\n${body.join("\n")}\n</tbody></table>`
}

const sectionHtml = (section: ReportSection): string =>
  [
    `<section><h2>${escapeHtml(section.title)}</h2>`,
    section.note === undefined ? "" : `<p>${escapeHtml(section.note)}</p>`,
    `<div class="figures">`,
    ...section.figures.map(
      (f) => `<figure id="${escapeHtml(f.id)}" class="chart">\n${f.svg}\n<figcaption>${escapeHtml(f.caption)}</figcaption></figure>`
    ),
    `</div></section>`
  ].join("\n")

/** Assembles the page; `intro` lines are plain text paragraphs. */
export const reportHtml = (
  title: string,
  intro: ReadonlyArray<string>,
  rows: ReadonlyArray<ResultRow>,
  sections: ReadonlyArray<ReportSection>
): string =>
  [
    "<!DOCTYPE html>",
    `<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${style}</style></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    ...intro.map((line) => `<p>${escapeHtml(line)}</p>`),
    resultsTableHtml(rows),
    ...sections.map(sectionHtml),
    "</body></html>",
    ""
  ].join("\n")
