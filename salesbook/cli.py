"""The `salesbook` command: each subcommand parses options and makes one library call."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import click

from salesbook import __version__
from salesbook.batch import RunResult, check_folder, run
from salesbook.checks import CheckResult
from salesbook.cluster import INSTALL
from salesbook.errors import BadValue, SalesbookError
from salesbook.issues import CODES, Severity, terminal_text
from salesbook.values import Period, parse_date, parse_period

LANGS = click.Choice(["zh", "en"])


def _period(_: click.Context, __: click.Parameter, value: str | None) -> Period | None:
    if value is None:
        return None
    try:
        return parse_period(value)
    except BadValue as error:
        raise click.BadParameter(
            f"无法识别的周期「{value}」（如 2026-10、2026Q4、2026）"
        ) from error


def _date(_: click.Context, __: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except BadValue as error:
        raise click.BadParameter(f"无法识别的日期「{value}」（如 2026-10-31）") from error


folder_argument = click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
lang_option = click.option(
    "--lang", type=LANGS, default="zh", show_default=True, help="消息语言 Message language."
)
period_option = click.option(
    "--period",
    callback=_period,
    metavar="PERIOD",
    help="考核周期，如 2026-10、2026Q4、2026；默认取总体目标的周期（与 run 相同），"
    "没有目标时不按周期检查日期。 Period; default: the overall targets' period (as for run);"
    " without targets no date is checked against a period.",
)
today_option = click.option(
    "--today",
    callback=_date,
    metavar="DATE",
    help="判断「未来日期」所用的今天（默认系统日期），便于复现。",
)
jobs_option = click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="并行进程数：读取文件、写出工作簿、生成文档（默认 CPU 核数）。",
)


def output_option(help_text: str) -> Callable[[Callable], Callable]:
    return click.option(
        "-o",
        "--output",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("output"),
        show_default=True,
        help=help_text,
    )


class CouldNotRun(click.ClickException):
    """A SalesbookError shown as one line, exit status 2 (as for a usage error)."""

    exit_code = 2


class SalesbookGroup(click.Group):
    """Exit 1 only ever means "errors found in the workbooks": anything that stops a command is
    one line and exit 2 (Ctrl-C: 130), never a traceback, which cron would read as success."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SalesbookError as error:  # may quote a file name from the folder
            raise CouldNotRun(terminal_text(error)) from error
        except (click.exceptions.Exit, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo(
                "已中断，输出文件夹保持原样。(Interrupted; the output was left as it was.)",
                err=True,
            )
            raise click.exceptions.Exit(130) from None
        except OSError as error:
            if error.errno == errno.ENOSPC:
                raise CouldNotRun(
                    f"磁盘空间不足，输出文件夹保持原样（{error.filename or error}）"
                    " (the disk is full; the output was left as it was)"
                ) from error
            raise CouldNotRun(_unexpected(error)) from error
        except Exception as error:
            raise CouldNotRun(_unexpected(error)) from error


def _unexpected(error: BaseException) -> str:
    """One line for an unexpected failure; the traceback goes to a log file whose path it gives."""
    handle, name = tempfile.mkstemp(prefix="salesbook-error-", suffix=".log")
    with os.fdopen(handle, "w", encoding="utf-8") as log:
        log.write(f"salesbook {__version__}\nargv: {sys.argv!r}\n\n")
        log.write("".join(traceback.format_exception(error)))
    detail = " ".join(str(error).split())[:200] or type(error).__name__
    return (
        f"意外错误：{detail}；输出文件夹保持原样，详情见 {name} (unexpected failure; see the log)"
    )


@click.group(cls=SalesbookGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="salesbook")
def cli() -> None:
    """salesbook：校验、计算并打印销售团队的标准工作簿。

    Check, compute and print a sales team's standard Excel workbooks.
    """


@cli.command()
@folder_argument
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（结构见 README）。")
@lang_option
@period_option
@today_option
@jobs_option
@click.option(
    "--history",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="历史数据库（只读）：同时报告已下发责任书的目标变更。Also report targets changed "
    "since their letters were issued (read only).",
)
def validate(
    folder: Path,
    as_json: bool,
    lang: str,
    period: Period | None,
    today: dt.date | None,
    jobs: int | None,
    history: Path | None,
) -> None:
    """校验文件夹中的全部工作簿并列出每个问题。Check every workbook and list each issue.

    退出码 Exit status: 0 无错误 no errors, 1 有错误 errors found, 2 无法运行 could not run.
    """
    result = check_folder(folder, period=period, today=today, jobs=jobs, history=history)
    if as_json:
        from salesbook.issue_list import issues_json

        click.echo(json.dumps(issues_json(result, lang), ensure_ascii=False, indent=2))
    else:
        echo_issues(result, lang)
    sys.exit(result.exit_code)


@cli.command(name="run")
@folder_argument
@output_option("输出文件夹 Output folder.")
@lang_option
@click.option(
    "--period",
    callback=_period,
    metavar="PERIOD",
    help="计算周期，如 2026-10、2026Q4、2026；默认取总体目标的周期，没有目标时取有数据的最近"
    "一个月。 Period; default: the overall targets' period, else the latest month with data.",
)
@click.option(
    "--as-of",
    callback=_date,
    metavar="DATE",
    help="截至日期，用于时间进度（默认：周期内数据的最晚日期）。",
)
@click.option(
    "--history",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="历史数据库位置（默认 OUTPUT/history.sqlite）。",
)
@click.option(
    "--pdf/--no-pdf",
    default=True,
    show_default=True,
    help="是否生成 PDF（责任书、复盘报告、健康度报告、评估单）。",
)
@click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="模板文件夹，逐个文件覆盖内置模板（优先于 salesbook.toml 的 templates 设置；"
    "工作簿文件夹里的 templates 不会自动使用）。Your template folder.",
)
@click.option("--duplex", is_flag=True, help="双面打印：每份责任书补足为偶数页。")
@click.option(
    "--strict", is_flag=True, help="仍有错误时不生成责任书等文档。No documents while errors remain."
)
@click.option("--redo", is_flag=True, help="全部重新生成，不沿用上次未变的结果。Remake everything.")
@click.option(
    "--wait",
    type=click.FloatRange(0),
    default=0,
    metavar="SECONDS",
    help="输出文件夹被另一运行占用时最多等待的秒数（默认立即退出）。",
)
@click.option("-q", "--quiet", is_flag=True, help="不显示进度条，每个阶段一行。One line per stage.")
@click.option("-v", "--verbose", is_flag=True, help="显示更多细节。Show more detail.")
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="在 Dask 集群上填表与生成 PDF：tcp://主机:8786；local:N 在本机起 N 个工作进程试用"
    f"（需 {INSTALL}）。Fill and lay out on a Dask cluster (default: $SALESBOOK_SCHEDULER, "
    "else the run.scheduler setting, else this machine).",
)
@today_option
@jobs_option
def run_command(
    folder: Path,
    output: Path,
    lang: str,
    period: Period | None,
    as_of: dt.date | None,
    history: Path | None,
    today: dt.date | None,
    jobs: int | None,
    pdf: bool,
    templates: Path | None,
    duplex: bool,
    strict: bool,
    redo: bool,
    wait: float,
    quiet: bool,
    verbose: bool,
    scheduler: str | None,
) -> None:
    """月度批处理：校验、计算并写出结果到输出文件夹。Run the monthly batch into OUTPUT.

    输出先写在旁边的临时文件夹，全部成功后一次替换，旧结果在此之前保持完整。
    退出码 Exit status: 0 无错误 no errors, 1 有错误（仍尽量写出）errors found, 2 无法运行 could not run.
    """
    from salesbook.progress import for_terminal

    progress = for_terminal(lang, quiet, verbose)
    try:
        result = run(
            folder,
            output,
            period=period,
            today=today,
            as_of=as_of,
            history=history,
            jobs=jobs,
            lang=lang,
            pdf=pdf,
            templates=templates,
            duplex=duplex,
            strict=strict,
            reuse=not redo,
            wait=wait,
            progress=progress,
            scheduler=scheduler,
        )
    finally:
        progress.close()
    echo_run_summary(result, lang)
    sys.exit(result.exit_code)


def echo_withheld(result: RunResult, lang: str, shown: int = 10) -> None:
    """The letters and appraisal sheets not made (SB-T014 in the issue list), and why."""
    from salesbook.words import say

    withheld = (getattr(result.figures, "documents", None) or {}).get("withheld", [])
    if not withheld:
        return
    zh = lang != "en"
    click.echo(
        f"未生成的文件 {len(withheld)} 份（不是名册中的具体人员，见 SB-T014）："
        if zh
        else f"{len(withheld)} documents not made (not a person on the roster, see SB-T014):"
    )
    for item in withheld[:shown]:
        document = say(f"document.{item['document']}", lang)
        reason = say(f"withheld.{item['reason']}", lang)
        click.echo(
            f"  {document} {item['period']}「{item['name']}」：{reason}"
            if zh
            else f"  {document} {item['period']} '{item['name']}': {reason}"
        )
    if len(withheld) > shown:
        rest = len(withheld) - shown
        click.echo(f"  …另 {rest} 份见问题清单" if zh else f"  … {rest} more in the issue list")


def echo_run_summary(result: RunResult, lang: str) -> None:
    """What was read, what was written where, what was reused, and the issues."""
    zh = lang != "en"
    run_period = result.figures.run
    how = ""
    if run_period.chosen:
        by_targets = getattr(run_period, "basis", "") == "targets"
        how = (
            ("（取总体目标的周期）" if by_targets else "（按数据自动选择）")
            if zh
            else (" (the targets' period)" if by_targets else " (chosen from the data)")
        )
    click.echo(
        f"计算周期 {run_period.period.label}{how}，截至 {run_period.as_of}。"
        if zh
        else f"Period {run_period.period.label}{how}, as of {run_period.as_of}."
    )
    if run_period.quarter_to_date:
        click.echo("另含季度累计与年度累计。" if zh else "Also quarter-to-date and year-to-date.")
    echo_summary(result.check, lang)
    # Settings issues are few and say what to change: shown in full, not only counted.
    for issue in result.check.issues:
        if issue.code.startswith("SB-C"):
            click.secho(terminal_text(f"{issue.code}  {issue.message(lang)}"), fg="yellow")
    echo_withheld(result, lang)
    for warning in result.warnings:
        click.secho(f"注意：{warning}" if zh else f"Note: {warning}", fg="yellow")
    out = result.output
    pdfs = sum(1 for p in result.written if p.suffix == ".pdf")
    books = sum(1 for p in result.written if p.suffix in (".xlsx", ".xlsm"))
    words = sum(1 for p in result.written if p.suffix == ".docx")  # the letters to edit
    if zh:
        click.echo(
            f"已写出 {len(result.written)} 个文件到 {out}（工作簿 {books} 个，PDF {pdfs} 个"
            + (f"，Word {words} 个" if words else "")
            + "）。"
        )
    else:
        click.echo(
            f"Wrote {len(result.written)} files to {out} ({books} workbooks, {pdfs} PDFs"
            + (f", {words} Word files" if words else "")
            + ")."
        )
    ran_on = result.executor
    if ran_on.get("kind") == "dask":
        where = f"{ran_on.get('scheduler')}, {ran_on.get('workers')}"
        click.echo(
            f"填表与 PDF 由 Dask 集群生成（{where} 个工作节点）。"
            if zh
            else f"Filled and laid out on a Dask cluster ({where} workers)."
        )
    if result.reused:
        click.echo(
            f"沿用上次未变的结果 {len(result.reused)} 项。"
            if zh
            else f"Reused {len(result.reused)} unchanged products from the last run."
        )
    if "strict" in result.skipped:
        click.echo(
            "--strict：仍有错误，未生成责任书和报告。"
            if zh
            else "--strict: errors remain, no letters or reports were rendered."
        )
    click.echo(
        f"清单与日志：{out / 'manifest.json'}、{out / 'salesbook.log'}"
        if zh
        else f"Manifest and log: {out / 'manifest.json'}, {out / 'salesbook.log'}"
    )


@cli.command()
@click.argument("output", type=click.Path(file_okay=False, path_type=Path), default=Path("output"))
@lang_option
def verify(output: Path, lang: str) -> None:
    """核对输出文件夹自上次运行后是否被改动。Check OUTPUT against its manifest.json.

    退出码 Exit status: 0 未改动 unchanged, 1 有改动 changed, 2 没有清单 no manifest.
    """
    from salesbook.manifest import load as load_manifest
    from salesbook.manifest import verify as verify_output

    zh = lang != "en"
    found = verify_output(output)
    manifest = load_manifest(output) if found is not None else None
    if found is None or manifest is None:
        raise SalesbookError(
            f"{output} 中没有可读的 manifest.json"
            if zh
            else f"no readable manifest.json in {output}"
        )
    changed, missing, added = found
    count = len(manifest.get("outputs", []))
    checked = (
        f"已核对 {output} 中清单所列的 {count} 个文件"
        if zh
        else f"Checked the {count} files the manifest lists in {output}"
    )
    for label_zh, label_en, paths in (
        ("已改动", "changed", changed),
        ("已缺失", "missing", missing),
        ("多出", "added", added),
    ):
        for path in paths:
            click.echo(terminal_text(f"{label_zh if zh else label_en}  {path}"))
    if changed or missing or added:
        click.echo(
            terminal_text(
                f"{checked}，与清单不符：改动 {len(changed)}，缺失 {len(missing)}，"
                f"多出 {len(added)}。"
                if zh
                else f"{checked}: differs from the manifest: {len(changed)} changed, "
                f"{len(missing)} missing, {len(added)} added."
            )
        )
        sys.exit(1)
    click.echo(
        terminal_text(
            f"{checked}，与清单一致，未被改动。"
            if zh
            else f"{checked}: they match the manifest, nothing changed."
        )
    )


@cli.command(name="history")
@click.argument(
    "database",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("output/history.sqlite"),
)
def history_command(database: Path) -> None:
    """列出历史数据库中保存的各期数据。List the periods stored in the history database."""
    from salesbook.ledger import stored

    rows = stored(database)  # a missing file or another program's database: exit 2, one line
    if not rows:
        click.echo(f"{database}：还没有历史数据 (no history yet)")
        return
    click.echo("周期 period   类型 kind   截至 as-of    数据条数 figures")
    for period, kind, as_of, count in rows:
        click.echo(f"{period:<12} {kind:<9} {as_of:<12} {count}")


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--lang",
    "header_lang",
    type=click.Choice(["zh", "zh-Hant", "en"]),
    default="zh",
    show_default=True,
    help="表头语言：简体、繁体或英文。",
)
@click.option(
    "--period",
    callback=_period,
    metavar="QUARTER",
    help="示例行所在的季度，如 2026Q4（默认：今天所在的季度）。"
    "The quarter of the example rows (default: this quarter).",
)
@click.option("--force", is_flag=True, help="覆盖已存在的文件。Overwrite existing files.")
def init(folder: Path, header_lang: str, period: Period | None, force: bool) -> None:
    """写出每种标准工作簿的空白模板（含示例行）与 salesbook.toml。

    Write one workbook per kind with example rows, and a commented salesbook.toml.
    """
    from salesbook.samples import write_templates

    for path in write_templates(folder, lang=header_lang, force=force, period=period):
        click.echo(str(path))


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--reps",
    type=click.IntRange(1, 100_000),
    default=24,
    show_default=True,
    help="销售代表人数 Number of sales reps.",
)
@click.option("--seed", type=int, default=42, show_default=True, help="随机种子 Random seed.")
@click.option(
    "--period",
    callback=_period,
    default="2026Q3",
    show_default=True,
    help="示例数据的季度 The quarter the sample covers.",
)
@click.option("--force", is_flag=True, help="覆盖已存在的文件。Overwrite existing files.")
def demo(folder: Path, reps: int, seed: int, period: Period, force: bool) -> None:
    """写出一套逼真的示例工作簿（可复现）。Write a realistic, deterministic sample folder."""
    from salesbook.samples import write_demo

    for path in write_demo(folder, reps=reps, seed=seed, period=period, force=force):
        click.echo(str(path))


# --- output ------------------------------------------------------------------------------------


def echo_issues(result: CheckResult, lang: str) -> None:
    """Issues grouped by file, then the counts per code and severity."""
    current = None
    for issue in result.issues:
        if issue.location.file != current:
            current = issue.location.file
            click.echo()
            click.secho(terminal_text(current), bold=True)
        loc = issue.location
        place = " › ".join(
            p
            for p in (
                loc.sheet,
                loc.cell
                or ((f"row {loc.row}" if lang == "en" else f"第{loc.row}行") if loc.row else None),
            )
            if p
        )
        colour = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}
        click.echo(
            "  "
            + click.style(f"{issue.code} {issue.severity.label(lang)}", fg=colour[issue.severity])
            + terminal_text(f"  {place or '—'}  {issue.message(lang)}")
        )
    echo_summary(result, lang)


def echo_summary(result: CheckResult, lang: str) -> None:
    zh = lang != "en"
    click.echo()
    files = len(result.book.files)
    period = result.period.label if result.period else ("未指定" if zh else "none")
    click.echo(
        f"读取 {files} 个文件，考核周期 {period}。"
        if zh
        else f"Read {files} files, period {period}."
    )
    by_code = Counter(issue.code for issue in result.issues)
    for code, count in sorted(by_code.items()):
        click.echo(f"  {code}  {CODES[code].severity.label(lang):<8} {count}")
    counts = result.counts
    if zh:
        click.echo(
            f"错误 {counts[Severity.ERROR]} 个，警告 {counts[Severity.WARNING]} 个，"
            f"提示 {counts[Severity.INFO]} 个。"
        )
    else:
        click.echo(
            f"{counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, "
            f"{counts[Severity.INFO]} info."
        )


# --- watch ---------------------------------------------------------------------------------------


def _clock_time(_: click.Context, __: click.Parameter, value: str | None) -> dt.time | None:
    if value is None:
        return None
    hours, _sep, minutes = value.strip().replace("：", ":").partition(":")
    try:
        return dt.time(int(hours), int(minutes))
    except ValueError as error:
        raise click.BadParameter(f"无法识别的时间「{value}」（如 02:00）") from error


@cli.command(name="watch")
@folder_argument
@output_option("输出文件夹，每个文件的问题清单写入其中的 问题清单/。Output folder.")
@lang_option
@click.option(
    "--run-at",
    callback=_clock_time,
    metavar="HH:MM",
    help="每天在此时间运行月度批处理（同 run 命令）。Run the monthly batch daily at HH:MM.",
)
@today_option
def watch_command(
    folder: Path, output: Path, lang: str, run_at: dt.time | None, today: dt.date | None
) -> None:
    """监视文件夹，文件放入或修改后立即校验并写出其问题清单。Check each workbook as it lands.

    按 Ctrl-C 停止。Runs until Ctrl-C.
    """
    from salesbook.watch import watch

    try:
        watch(
            folder,
            output,
            lang=lang,
            today=today,
            run_at=run_at,
            echo=lambda line: click.echo(terminal_text(line)),  # lines quote file names
        )
    except KeyboardInterrupt:  # Ctrl-C is how a watcher ends: exit 0, no traceback
        click.echo("已停止监视。" if lang != "en" else "Stopped watching.")


def main() -> None:
    """Entry point: UTF-8 output, so a GBK console on Windows cannot crash on a character."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    cli(prog_name="salesbook")
