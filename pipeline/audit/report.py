"""Writing the audit: ``audit.json``, ``audit.md``, ``audit.html`` and the agreement matrix plot."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from pipeline.io import atomic_path, write_text

SCORE_COLUMNS = ("precision", "recall", "f1", "tp", "fp", "fn")
MATRIX_PNG = "plots/agreement_matrix.png"


def write_report(report: dict, folder: str | Path) -> Path:
    """Every audit file in ``folder``, each written to a temporary name and renamed."""
    folder = Path(folder)
    write_matrix_plot(report["matrix"], folder / MATRIX_PNG)
    write_text(folder / "audit.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_text(folder / "audit.md", markdown_report(report))
    write_text(folder / "audit.html", html_report(report))
    return folder


def _number(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _md(value) -> str:
    """A value as one Markdown table cell: HTML in it (from a document or a gold file) shown, not run."""
    text = html.escape(" ".join(str("" if value is None else value).split()), quote=False)
    return text.replace("\\", "\\\\").replace("|", "\\|") or " "


def _code(value) -> str:
    """A path or name as Markdown code (inside which HTML is never run)."""
    return "`" + " ".join(str(value).replace("`", "'").split()) + "`"


def _md_table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return lines


def _overview_rows(report: dict) -> list[list]:
    return [[name, *(_number(t[c]) for c in SCORE_COLUMNS), t["not_in_corpus"], t["out_of_scope"]]
            for name, t in report["tables"].items()]


_OVERVIEW_HEADER = ["table", *SCORE_COLUMNS, "not in corpus", "out of scope"]


def _field_rows(report: dict) -> list[list]:
    return [[f"{name}.{field}", *(_number(s[c]) for c in SCORE_COLUMNS), _number(s.get("accuracy"))]
            for name, t in report["tables"].items() for field, s in t["fields"].items()]


def summary_markdown(report: dict) -> str:
    """A short Markdown summary: scores per table and per field (for a Prefect artifact)."""
    lines = ["# secmine audit", "", f"Gold {_code(report['gold_dir'])} against outputs {_code(report['out_dir'])}.", ""]
    lines += _md_table(_OVERVIEW_HEADER, _overview_rows(report))
    lines += ["", *_md_table(["field", *SCORE_COLUMNS, "accuracy"], _field_rows(report)), ""]
    return "\n".join(lines)


def _where(row: dict) -> str:
    page = f", p. {row['page']}" if row.get("page") is not None else ""
    return f"{row.get('document') or row.get('source_doc', '')}{page}"


def markdown_report(report: dict) -> str:
    """The whole audit as Markdown: scores, rules, documents, then each table's rows."""
    lines = ["# secmine audit", "", f"Gold {_code(report['gold_dir'])} against outputs {_code(report['out_dir'])}.", "",
             "Settings: " + ", ".join(f"{_code(k)} = {_md(v)}" for k, v in report["settings"].items()), "", "## Scores", ""]
    lines += _md_table(_OVERVIEW_HEADER, _overview_rows(report))
    lines += ["", "## Fields", "", *_md_table(["field", *SCORE_COLUMNS, "accuracy"], _field_rows(report))]
    lines += ["", "## Matching rules", "", *(f"- {line}" for line in report["rules"]), "", "Each table's own rule is given in its section."]
    lines += ["", "## Documents", "", "Gold documents and the ingested documents that stand for them.", ""]
    lines += _md_table(["gold source_doc", "ingested document", "matched by", "support"],
                       [[d["gold_source_doc"], d["source"] or "not in corpus", d["how"], _number(d["support"]) if d["how"] == "content" else ""]
                        for d in report["documents"]])
    if report["ignored_gold_files"]:
        lines += ["", "Not audited: " + ", ".join(_code(f) for f in report["ignored_gold_files"])]
    lines += ["", "## Partner \u00d7 domain agreement", "", f"![agreement matrix]({MATRIX_PNG})", ""]
    for name, t in report["tables"].items():
        lines += [f"## {name}", "", f"Gold: {', '.join(_md(f) for f in t['gold_files'])}; output: {_code(t['output_file'])}"
                  + (" (missing: every gold row is missed)" if t["output_missing"] else "") + ".", "",
                  (f"{t['gold_rows']} gold rows ({t['not_in_corpus']} not in corpus), {t['output_rows']} output rows "
                   f"({t['out_of_scope']} out of scope)."), "", "Matching rule:", ""]
        lines += [f"- {line}" for line in t["rule"]]
        for title, key in (("Missed", "missed"), ("Spurious", "spurious")):
            if t[key]:
                lines += ["", f"### {title} ({len(t[key])})", ""]
                lines += _md_table(["row", "paired with", "document, page", "evidence"],
                                   [[r["row"], r.get("paired_with") or "", _where(r), r.get("evidence") or r.get("note", "")] for r in t[key]])
        if t["field_errors"]:
            lines += ["", f"### Field errors ({len(t['field_errors'])})", ""]
            lines += _md_table(["row", "field", "gold", "output", "document, page", "evidence"],
                               [[e["row"], e["field"], e["gold"], e["output"], _where(e), e["evidence"]] for e in t["field_errors"]])
        if t["not_in_corpus_rows"]:
            lines += ["", f"### Not in corpus ({t['not_in_corpus']})", ""]
            lines += _md_table(["row", "gold line", "source_doc", "reason"],
                               [[r["row"], r["gold_line"], r.get("source_doc", ""), r["reason"]] for r in t["not_in_corpus_rows"]])
        lines.append("")
    return "\n".join(lines)


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; }
tr.missed td { background: #fde2e1; }
tr.spurious td { background: #fff3cd; }
tr.error td { background: #e7f0fd; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.evidence { font-style: italic; max-width: 48em; }
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _inline(text: str) -> str:
    """Escaped text with the Markdown `code` and *emphasis* of the rule texts rendered."""
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))
    return re.sub(r"\*([^*]+)\*", r"<em>\1</em>", text)


def _html_table(header: list[str], rows: list[list], classes: list[str] | None = None, evidence_col: int | None = None) -> list[str]:
    out = ["<table>", "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in header) + "</tr>"]
    for k, row in enumerate(rows):
        css = f' class="{_e(classes[k])}"' if classes else ""
        cells = []
        for c, value in enumerate(row):
            kind = "evidence" if c == evidence_col else ("num" if isinstance(value, (int, float)) or _is_number(value) else "")
            cells.append(f'<td class="{kind}">{_e(value)}</td>' if kind else f"<td>{_e(value)}</td>")
        out.append(f"<tr{css}>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return out


def _is_number(value) -> bool:
    try:
        float(str(value))
        return True
    except ValueError:
        return str(value) == "n/a"


def html_report(report: dict) -> str:
    """The audit as one self-contained HTML page; missed and spurious rows highlighted with their evidence."""
    body = [f"<h1>secmine audit</h1><p>Gold <code>{_e(report['gold_dir'])}</code> against outputs <code>{_e(report['out_dir'])}</code>. "
            + "Settings: " + ", ".join(f"<code>{_e(k)}</code> = {_e(v)}" for k, v in report["settings"].items()) + "</p>",
            "<h2>Scores</h2>", *_html_table(_OVERVIEW_HEADER, _overview_rows(report)),
            "<h2>Fields</h2>", *_html_table(["field", *SCORE_COLUMNS, "accuracy"], _field_rows(report)),
            "<h2>Matching rules</h2><ul>" + "".join(f"<li>{_inline(line)}</li>" for line in report["rules"]) + "</ul>",
            "<h2>Documents</h2>",
            *_html_table(["gold source_doc", "ingested document", "matched by", "support"],
                         [[d["gold_source_doc"], d["source"] or "not in corpus", d["how"], _number(d["support"]) if d["how"] == "content" else ""]
                          for d in report["documents"]]),
            "<h2>Partner \u00d7 domain agreement</h2>",
            f'<p><img src="{_e(MATRIX_PNG)}" alt="partner by domain agreement matrix" style="max-width:100%"></p>']
    for name, t in report["tables"].items():
        body += [f'<h2 id="{_e(name)}">{_e(name)}</h2>',
                 f"<p>Gold: {_e(', '.join(t['gold_files']))}; output: <code>{_e(t['output_file'])}</code>"
                 + (" <strong>(missing: every gold row is missed)</strong>" if t["output_missing"] else "")
                 + f". {t['gold_rows']} gold rows ({t['not_in_corpus']} not in corpus), {t['output_rows']} output rows ({t['out_of_scope']} out of scope).</p>",
                 "<details><summary>Matching rule</summary><ul>" + "".join(f"<li>{_inline(line)}</li>" for line in t["rule"]) + "</ul></details>"]
        rows, classes = [], []
        for key in ("missed", "spurious"):
            for r in t[key]:
                errors = "; ".join(f"{f}: gold {v['gold']!r}, output {v['output']!r}" for f, v in (r.get("field_errors") or {}).items())
                rows.append([key, r["row"], r.get("paired_with") or "", errors, r.get("document", ""), r.get("page") if r.get("page") is not None else "",
                             r.get("evidence") or r.get("note", "")])
                classes.append(key)
        if rows:
            body += [f"<h3>Missed ({len(t['missed'])}) and spurious ({len(t['spurious'])}) rows</h3>",
                     *_html_table(["", "row", "paired with", "field errors", "document", "page", "evidence"], rows, classes, evidence_col=6)]
        if t["field_errors"]:
            body += [f"<h3>Field errors ({len(t['field_errors'])})</h3>",
                     *_html_table(["row", "field", "gold", "output", "document", "page", "evidence"],
                                  [[e["row"], e["field"], e["gold"], e["output"], e["document"], e["page"] if e["page"] is not None else "", e["evidence"]]
                                   for e in t["field_errors"]], ["error"] * len(t["field_errors"]), evidence_col=6)]
        if t["not_in_corpus_rows"]:
            body += [f"<h3>Not in corpus ({t['not_in_corpus']})</h3>",
                     *_html_table(["row", "gold line", "source_doc", "reason"],
                                  [[r["row"], r["gold_line"], r.get("source_doc", ""), r["reason"]] for r in t["not_in_corpus_rows"]])]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>secmine audit</title>"
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_matrix_plot(matrix: dict, target: str | Path) -> Path:
    """Partner x domain heatmap of agreement, 2tp / (2tp + fn + fp), each cell labelled tp/fn/fp."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    partners, domains = matrix["partners"], matrix["domains"]
    cells = {(c["partner"], c["domain"]): c for c in matrix["cells"]}
    fig, ax = plt.subplots(figsize=(2.5 + 1.3 * max(len(domains), 1), 1.5 + 0.42 * max(len(partners), 1)))
    if not cells:
        ax.text(0.5, 0.5, "no audited rows with a partner and a domain", ha="center", va="center")
        ax.set_axis_off()
    else:
        grid = np.full((len(partners), len(domains)), np.nan)
        for r, partner in enumerate(partners):
            for c, domain in enumerate(domains):
                cell = cells.get((partner, domain))
                if cell:
                    total = 2 * cell["tp"] + cell["fn"] + cell["fp"]
                    grid[r, c] = 2 * cell["tp"] / total if total else np.nan
                    ax.text(c, r, f"{cell['tp']}/{cell['fn']}/{cell['fp']}", ha="center", va="center", fontsize=8)
        image = ax.imshow(np.ma.masked_invalid(grid), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(domains)), [d.replace("_", " ") for d in domains], rotation=30, ha="right")
        ax.set_yticks(range(len(partners)), partners)
        fig.colorbar(image, ax=ax, shrink=0.8, label="agreement 2tp/(2tp+fn+fp)")
        ax.set_title("Audit: tp/fn/fp per partner and domain (" + ", ".join(matrix["tables"]) + ")", fontsize=9)
    fig.tight_layout()
    target = Path(target)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return target
