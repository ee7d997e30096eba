"""Report contexts -> 销售复盘报告, 销售流程健康度报告 and 个人业绩评估单 PDFs.

The contexts are built in salesbook.contexts from the figures document; this module only lays them
out. The appraisal sheets are laid out as one WeasyPrint document (fonts subset once) with a
bookmark per person, and the per-person files are page ranges cut from the combined PDF, as for the
letters.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from salesbook.chunks import (
    Bundle,
    Rendered,
    assign_file_stems,
    plan_chunks,
    render_chunked,
    safe_name,
)
from salesbook.contexts.appraisal import AppraisalSheet, appraisal_sheets
from salesbook.contexts.health import HealthContext, health_context
from salesbook.contexts.review import ReviewContext, review_context
from salesbook.render import Renderer
from salesbook.runner import Task, run_tasks


def render_reports(
    renderer: Renderer,
    document: dict,
    output: Path,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[Path]:
    """Write the review, the health report (when there are indicators) and the appraisal sheets
    (when anyone is appraised) into `output`, `jobs` documents at once; returns the files written.
    `progress(n)` is called with the number of documents each finished task produced."""
    en = renderer.lang == "en"
    period = safe_name(document["period"])
    output.mkdir(parents=True, exist_ok=True)
    tasks: list[Task] = []
    sizes: list[int] = []

    review = review_context(document, renderer.lang)
    review_path = output / (f"review-{period}.pdf" if en else f"销售复盘报告-{period}.pdf")
    tasks.append(_report_task(renderer, "review.html", review, review_path))
    sizes.append(1)

    health = health_context(document, renderer.lang)
    if health.indicators:
        health_path = output / (
            f"health-{period}.pdf" if en else f"销售流程健康度报告-{period}.pdf"
        )
        tasks.append(_report_task(renderer, "health.html", health, health_path))
        sizes.append(1)
    heads = len(tasks)  # the reports, then the chunks of appraisal sheets

    sheets = appraisal_sheets(document, renderer.lang)
    with tempfile.TemporaryDirectory(dir=output, prefix=".appraisal-") as scratch:
        plan = None
        if sheets:
            assign_file_stems(sheets)
            periods = {sheet.period for sheet in sheets}
            if len(periods) == 1:
                period = safe_name(periods.pop())
            combined = output / (
                f"appraisal-{period}-all.pdf" if en else f"评估单-{period}-全部.pdf"
            )
            folder = output / ("appraisal" if en else "评估单")
            plan = plan_chunks(renderer, AppraisalBundle(), sheets, folder, combined, Path(scratch))
            tasks += plan.tasks
            sizes += plan.sizes
        results = run_tasks(tasks, jobs, (lambda n: progress(sizes[n])) if progress else None)
        written = [path for files in results[:heads] for path in files]
        if plan:
            rendered = plan.finish(results[heads:])
            written += [rendered.combined, *rendered.files]
    return written


def _report_task(
    renderer: Renderer, template: str, report: ReviewContext | HealthContext, path: Path
) -> Task[list[Path]]:
    return Task(
        write_report,
        (renderer, template, report, path),
        label=path.name,
        reads=renderer.reads(),
        writes=path.parent,
    )


def write_report(
    renderer: Renderer, template: str, report: ReviewContext | HealthContext, path: Path
) -> list[Path]:
    """One report laid out from its context and written to `path`."""
    html = renderer.html(template, report=report, created=report.created)
    renderer.write(renderer.document(html), path)
    return [path]


class AppraisalBundle(Bundle):
    """Appraisal sheets in one layout: one page per person, the footer names the person."""

    end_prefix = "sheet-end-"
    what = ("评估单", "sheets")

    def html(self, renderer: Renderer, documents: Sequence[AppraisalSheet]) -> str:
        return renderer.html("appraisal.html", sheets=documents, created=documents[0].as_of)

    def outline(self, document: AppraisalSheet, lang: str) -> tuple[str, str]:
        title = "Performance appraisal" if lang == "en" else "个人业绩评估单"
        return document.name, f"{title} {document.period} {document.name}"


def render_appraisals(
    renderer: Renderer,
    sheets: list[AppraisalSheet],
    folder: Path,
    combined: Path,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Rendered:
    """The sheets into `combined` and one file per person in `folder` (chunks.py), by themselves;
    render_reports lays them out together with the reports."""
    return render_chunked(renderer, AppraisalBundle(), sheets, folder, combined, jobs, progress)
