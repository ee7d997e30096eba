"""Time salesbook's letters (individual files + combined file) against one bare WeasyPrint render.

For each number of reps (default 1000) the script

1. makes the demo folder and its figures.json once (`salesbook demo`, `salesbook run --no-pdf`),
   and writes the letters' HTML exactly as salesbook makes it (templates/letters.html);
2. runs R interleaved repeats of two fresh processes:
   - salesbook: `salesbook.letters.render_letters` for every letter: the combined PDF and one PDF
     per owner (font check, layout in chunks, the rare second pass, the per-owner cut);
   - bare:      `weasyprint.HTML(string=html).write_pdf(path)` of the same HTML with the same
                stylesheet, as one document written as one PDF, nothing else;
   each times its work inside (imports excluded) and is timed from outside; peak RSS from wait4();
3. reports median (min–max) of both and of their paired ratio (target ≤ 1.3×), and salesbook's
   peak RSS per size, so growth with the number of letters shows.

   With --cut-only, a third process per repeat renders the same letters with the per-owner files
   cut as before issue 13 (the chunk's whole fonts kept), for the size and time they cost then.
   With --docx, a third process per repeat renders the PDFs as salesbook does and then the Word
   copies (issue 15 §1: one .docx per owner and the combined one), each part timed on its own.

Usage: python bench/bench_letters.py [--reps 1000 [3000 …]] [--repeats 3] [--cut-only] [--docx]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench_run import ensure_demo
from bench_validate import MIB, PROJECT, RESULTS, TODAY, fmt, log, machine, run_process, summarize

TARGET_RATIO = 1.3

SALESBOOK = r"""
import json, sys, time
from pathlib import Path
from salesbook.contexts.letters import letter_contexts
from salesbook.letters import render_letters
from salesbook.render import Renderer, template_dirs
if len(sys.argv) > 3 and sys.argv[3] == "cut-only":  # as before issue 13: fonts not re-subset
    import salesbook.chunks
    salesbook.chunks.resubset_fonts = lambda pages, cache: None
document = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
out = Path(sys.argv[2])
started = time.perf_counter()
renderer = Renderer(template_dirs(), "zh", document["config"]["money_unit"])
contexts = letter_contexts(document)
run = render_letters(renderer, contexts, out / "letters", out / "all.pdf")
elapsed = time.perf_counter() - started
sizes = sorted(f.stat().st_size for f in run.files)
extra = {}
if len(sys.argv) > 3 and sys.argv[3] == "docx":  # then the Word copies, as batch.py makes them
    from salesbook.letters_docx import DocxRenderer, write_letter_docx
    begun = time.perf_counter()
    words = write_letter_docx(DocxRenderer(template_dirs(), "zh", document["config"]["money_unit"]),
                              contexts, out / "letters", out / "all.docx")
    docx_s = time.perf_counter() - begun
    docx_sizes = sorted(f.stat().st_size for f in words.files)
    extra = {"pdf_seconds": elapsed, "docx_seconds": docx_s,
             "docx_kb_median": docx_sizes[len(docx_sizes) // 2] / 1024,
             "docx_combined_mb": words.combined.stat().st_size / 2**20}
    elapsed += docx_s
print(json.dumps({"seconds": elapsed, "letters": len(contexts), "files": len(run.files),
                  "pages": run.pages, "passes": run.passes, "file_kb_median":
                  sizes[len(sizes) // 2] / 1024, "file_kb_max": sizes[-1] / 1024,
                  "files_mb": sum(sizes) / 2**20, **extra}))
"""

BARE = r"""
import json, sys, time
from pathlib import Path
html = Path(sys.argv[1]).read_text(encoding="utf-8")
css = sys.argv[2]
import weasyprint
from weasyprint.text.fonts import FontConfiguration
started = time.perf_counter()
fonts = FontConfiguration()
weasyprint.HTML(string=html).write_pdf(
    sys.argv[3], stylesheets=[weasyprint.CSS(filename=css, font_config=fonts)], font_config=fonts)
print(json.dumps({"seconds": time.perf_counter() - started}))
"""

WRITE_HTML = r"""
import json, sys
from pathlib import Path
from salesbook.chunks import assign_file_stems
from salesbook.contexts.letters import letter_contexts
from salesbook.render import Renderer, template_dirs
document = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
renderer = Renderer(template_dirs(), "zh", document["config"]["money_unit"])
contexts = letter_contexts(document)
assign_file_stems(contexts)
created = contexts[0].start
html = renderer.html("letters.html", letters=contexts, duplex=False, created=created)
Path(sys.argv[2]).write_text(html, encoding="utf-8")
print(len(contexts))
"""


def ensure_figures(reps: int) -> tuple[Path, Path]:
    """figures.json of the demo folder and the letters' HTML, made once per demo."""
    folder, _ = ensure_demo(reps)
    output = folder.parent / f"{folder.name}-output"
    figures = output / "figures.json"
    if not figures.exists() or figures.stat().st_mtime < folder.stat().st_mtime:
        log(f"  {reps} reps: computing figures.json")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "salesbook",
                "run",
                str(folder),
                "-o",
                str(output),
                "--today",
                TODAY,
                "--no-pdf",
            ],
            cwd=PROJECT,
            check=False,
            capture_output=True,
        )
    html = output / "letters.html"
    if not html.exists() or html.stat().st_mtime < figures.stat().st_mtime:
        subprocess.run(
            [sys.executable, "-c", WRITE_HTML, str(figures), str(html)],
            cwd=PROJECT,
            check=True,
            capture_output=True,
        )
    return figures, html


def measure(
    reps: int, repeats: int, cut_only: bool = False, docx: bool = False
) -> dict[str, object]:
    figures, html = ensure_figures(reps)
    css = PROJECT / "templates" / "print.css"
    rows: list[dict[str, object]] = []
    for repeat in range(repeats):
        order = ["salesbook", "bare"] if repeat % 2 == 0 else ["bare", "salesbook"]
        if cut_only:  # the per-person files as cut before issue 13, fonts not re-subset
            order.insert(1, "cut-only")
        if docx:  # the PDFs, then the Word copies (issue 15 §1)
            order.insert(1, "docx")
        row: dict[str, object] = {}
        for name in order:
            with tempfile.TemporaryDirectory() as scratch:
                if name in ("salesbook", "cut-only", "docx"):
                    done = run_process(
                        [sys.executable, "-c", SALESBOOK, str(figures), scratch, name]
                    )
                else:
                    done = run_process(
                        [
                            sys.executable,
                            "-c",
                            BARE,
                            str(html),
                            str(css),
                            str(Path(scratch) / "bare.pdf"),
                        ]
                    )
            if done.returncode != 0:
                raise SystemExit(f"{name} failed: {done.stderr[-2000:]}")
            inside = json.loads(done.stdout.strip().splitlines()[-1])
            row[name] = {**inside, "wall_s": done.wall_s, "maxrss_mib": done.tree_maxrss_kb / MIB}
            log(
                f"  {reps} reps, repeat {repeat}, {name}: {inside['seconds']:.2f} s inside, "
                f"{done.wall_s:.2f} s wall, {done.tree_maxrss_kb / MIB:.0f} MiB"
            )
        rows.append(row)
    ratio = [r["salesbook"]["seconds"] / r["bare"]["seconds"] for r in rows]
    before = (
        {
            "ratio": summarize(r["cut-only"]["seconds"] / r["bare"]["seconds"] for r in rows),
            "file_kb_median": rows[0]["cut-only"]["file_kb_median"],
            "file_kb_max": rows[0]["cut-only"]["file_kb_max"],
            "files_mb": rows[0]["cut-only"]["files_mb"],
        }
        if cut_only
        else None
    )
    ratio_wall = [r["salesbook"]["wall_s"] / r["bare"]["wall_s"] for r in rows]
    with_docx = (
        {
            "seconds": summarize(r["docx"]["seconds"] for r in rows),
            "pdf_seconds": summarize(r["docx"]["pdf_seconds"] for r in rows),
            "docx_seconds": summarize(r["docx"]["docx_seconds"] for r in rows),
            "over_pdf_only": summarize(
                r["docx"]["seconds"] / r["salesbook"]["seconds"] for r in rows
            ),
            "docx_ms_per_letter": summarize(
                r["docx"]["docx_seconds"] * 1000 / r["docx"]["letters"] for r in rows
            ),
            "maxrss_mib": max(r["docx"]["maxrss_mib"] for r in rows),
            "docx_kb_median": rows[0]["docx"]["docx_kb_median"],
            "docx_combined_mb": rows[0]["docx"]["docx_combined_mb"],
        }
        if docx
        else None
    )
    letters = rows[0]["salesbook"]["letters"]
    return {
        "reps": reps,
        "letters": letters,
        "pages": rows[0]["salesbook"]["pages"],
        "passes": rows[0]["salesbook"]["passes"],
        "salesbook_s": summarize(r["salesbook"]["seconds"] for r in rows),
        "bare_s": summarize(r["bare"]["seconds"] for r in rows),
        "ratio": summarize(ratio),
        "ratio_wall": summarize(ratio_wall),
        "ms_per_letter": summarize(r["salesbook"]["seconds"] * 1000 / letters for r in rows),
        "bare_ms_per_letter": summarize(r["bare"]["seconds"] * 1000 / letters for r in rows),
        "salesbook_rss_mib": max(r["salesbook"]["maxrss_mib"] for r in rows),
        "bare_rss_mib": max(r["bare"]["maxrss_mib"] for r in rows),
        "file_kb_median": rows[0]["salesbook"]["file_kb_median"],
        "file_kb_max": rows[0]["salesbook"]["file_kb_max"],
        "files_mb": rows[0]["salesbook"]["files_mb"],
        "cut_only": before,
        "docx": with_docx,
        "raw": rows,
    }


def markdown(results: list[dict[str, object]]) -> str:
    lines = [
        "| reps | letters (pages) | salesbook: both forms s | ms/letter | bare combined render s "
        "| ms/letter | **salesbook ÷ bare** | ÷ bare, wall | peak RSS salesbook / bare MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['reps']:,} | {r['letters']:,} ({r['pages']:,}) | {fmt(r['salesbook_s'])} | "
            f"{fmt(r['ms_per_letter'], 0)} | {fmt(r['bare_s'])} | {fmt(r['bare_ms_per_letter'], 0)} "
            f"| **{fmt(r['ratio'])}×** | {fmt(r['ratio_wall'])}× | "
            f"{r['salesbook_rss_mib']:.0f} / {r['bare_rss_mib']:.0f} |"
        )
    lines += [
        "",
        "| reps | per-owner files | KB per file: median / max | all files MB | salesbook ÷ bare |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        variants = [("fonts re-subset per file (now)", r)]
        if r["cut_only"]:
            variants.append(("cut only, chunk's fonts (before)", r["cut_only"]))
        for label, v in variants:
            lines.append(
                f"| {r['reps']:,} | {label} | {v['file_kb_median']:.0f} / {v['file_kb_max']:.0f} "
                f"| {v['files_mb']:.1f} | {fmt(v['ratio'])}× |"
            )
    if any(r["docx"] for r in results):
        lines += [
            "",
            "| reps | PDF only s | PDF + .docx s | of which .docx s | .docx ms/letter | "
            "**PDF + .docx ÷ PDF only** | .docx KB per file (median) / combined MB | peak RSS MiB |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in results:
            d = r["docx"]
            if d:
                lines.append(
                    f"| {r['reps']:,} | {fmt(r['salesbook_s'])} | {fmt(d['seconds'])} | "
                    f"{fmt(d['docx_seconds'])} | {fmt(d['docx_ms_per_letter'], 0)} | "
                    f"**{fmt(d['over_pdf_only'])}×** | {d['docx_kb_median']:.0f} / "
                    f"{d['docx_combined_mb']:.1f} | {d['maxrss_mib']:.0f} |"
                )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, nargs="+", default=[1000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--cut-only",
        action="store_true",
        help="also time the per-owner files cut without re-subsetting their fonts (before issue 13)",
    )
    parser.add_argument(
        "--docx",
        action="store_true",
        help="also time the PDFs followed by the Word copies of the letters (issue 15 §1)",
    )
    args = parser.parse_args(argv)
    results = [measure(reps, args.repeats, args.cut_only, args.docx) for reps in args.reps]
    table = markdown(results)
    print(table)
    for r in results:
        met = "met" if r["ratio"]["median"] <= TARGET_RATIO else "MISSED"
        print(
            f"- {r['reps']} reps: ≤ {TARGET_RATIO}× the bare combined render: {met} "
            f"({r['ratio']['median']:.2f}×)"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"letters-{stamp}.json"
    path.write_text(
        json.dumps({"machine": machine(), "results": results}, indent=1, ensure_ascii=False),
        encoding="utf-8",
    )
    print(f"raw results: {path.relative_to(PROJECT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
