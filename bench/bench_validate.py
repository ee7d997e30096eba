"""Time `salesbook validate` against a bare `pandas.read_excel(engine="calamine")` of one file.

For each size N (default 100k and 300k rows) the script

1. makes a follow-up log of N rows once and keeps it: bench/data/followup-N/log.xlsx (git-ignored),
   one sheet, the zh headers of FOLLOW_UP's 8 seed columns, taken from salesbook.schemas;
2. runs R interleaved repeats, each of three fresh processes, in an order rotated per repeat:
   - bare:     `python -c "import pandas; pandas.read_excel(path, engine='calamine')"`; the read
               call is timed inside the process, the whole process (start-up, imports) outside;
   - validate: `python -m salesbook validate FOLDER --json --today 2026-11-25`, the real CLI,
               timed from outside; peak RSS from wait4() = max over the CLI and its reader child;
   - split:    the same CLI run in-process by a tiny launcher (runpy, as `-m` does), which reports
               RUSAGE_SELF (the salesbook parent) and RUSAGE_CHILDREN (the forked reader child)
               separately;
3. pairs the times of one repeat (validate ÷ bare process, validate ÷ bare read call), prints a
   markdown table of median (min–max) and writes every raw figure to bench/results/*.json.

Usage: python bench/bench_validate.py [--sizes 100000 300000] [--repeats 5 3] [--warmup 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from salesbook.schemas import CHANNELS, FOLLOW_UP

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
DATA = BENCH / "data"
RESULTS = BENCH / "results"
TODAY = "2026-11-25"
SEED = 20261125
GENERATOR_VERSION = 1  # bump when the generated data changes, so cached files are remade
SEED_KEYS = ("customer", "owner", "date", "channel", "summary", "feedback", "next_action", "due")
QUARTER_START, QUARTER_DAYS = dt.date(2026, 7, 1), 92  # 2026Q3, before TODAY
N_CUSTOMERS, N_OWNERS = 20_000, 1_000
TARGET_RATIO = 2.0
TARGET_RSS_MIB = 1024.0
MIB = 1024.0  # ru_maxrss is in KiB on Linux

# --- synthetic follow-up log ----------------------------------------------------------------------

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
_GIVEN = "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
_CITIES = [
    "上海",
    "北京",
    "深圳",
    "广州",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "重庆",
    "天津",
    "宁波",
    "青岛",
    "厦门",
    "长沙",
    "郑州",
    "合肥",
    "无锡",
    "佛山",
    "东莞",
    "济南",
    "福州",
    "昆明",
]
_NAMES = [
    "华信",
    "恒通",
    "瑞丰",
    "鼎盛",
    "宏达",
    "金桥",
    "东方",
    "新航",
    "博远",
    "汇智",
    "天成",
    "中科",
    "盛世",
    "永安",
    "海纳",
    "百川",
    "启明",
    "远景",
    "联创",
    "嘉禾",
    "立信",
    "融通",
    "光大",
    "同舟",
    "万里",
    "锦程",
    "德润",
    "信达",
    "安泰",
    "凯旋",
]
_TRADES = [
    "科技",
    "贸易",
    "实业",
    "电子",
    "医药",
    "物流",
    "建材",
    "食品",
    "机械",
    "咨询",
    "环保",
    "能源",
]
_FORMS = ("有限公司", "股份有限公司", "集团有限公司")
_FRAGMENTS = (
    "客户认可新版报价方案",
    "希望下周安排技术交流",
    "关注交付周期与售后",
    "对竞品价格较为敏感",
    "采购负责人近期变动",
    "年度预算已经批复",
    "需补充资质证明材料",
    "试用反馈整体良好",
    "提出定制化功能需求",
    "要求提供同行业案例",
    "合同条款法务审核中",
    "计划扩大采购规模",
    "对付款方式有异议",
    "决策链较长需多方沟通",
    "首轮样品测试已完成",
    "关心系统对接方案",
    "询问批量采购折扣",
    "现场演示效果较好",
    "老板亲自参与洽谈",
    "要求缩短交货周期",
)
_FEEDBACK = (
    "满意",
    "基本满意",
    "需跟进",
    "价格异议",
    "暂无需求",
    "意向强烈",
    "等待内部审批",
    "要求二次报价",
    "需对比竞品价格",
    "需定制化功能",
    "关注售后响应",
    "预算不足",
)
_ACTIONS = (
    "发送正式报价单",
    "安排上门拜访",
    "邀请参加产品演示",
    "提交合同草案",
    "跟进样品测试结果",
    "确认付款条件",
    "协调技术支持",
    "整理需求清单",
    "电话回访",
    "寄送宣传资料",
    "提供竞品对比分析",
    "约高层会面",
)
# Mostly the canonical values, now and then a spelling the reader has to map (电话沟通, 拜访 …).
_CHANNEL_WEIGHTS = {"电话": 30, "微信": 30, "上门拜访": 15, "邮件": 8, "视频会议": 10, "展会": 3}


def _channel_spellings() -> tuple[list[str], list[float]]:
    values, weights = [], []
    for choice in CHANNELS:
        weight = _CHANNEL_WEIGHTS.get(choice.value, 1)
        values.append(choice.value)
        weights.append(weight * 0.95)
        others = [s for s in choice.aliases if not s.isascii()]
        for alias in others:
            values.append(alias)
            weights.append(weight * 0.05 / len(others))
    return values, weights


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice((1, 2, 2))))


def follow_up_rows(n: int, seed: int = SEED) -> Iterator[list[object]]:
    """n rows of the 8 seed columns, in date order, as a team's quarterly log would be."""
    rng = random.Random(seed)
    owners: list[str] = []
    seen: set[str] = set()
    while len(owners) < N_OWNERS:
        name = _person(rng)
        if name not in seen:
            seen.add(name)
            owners.append(name)
    combos = len(_CITIES) * len(_NAMES) * len(_TRADES) * len(_FORMS)
    customers = []
    for code in rng.sample(range(combos), N_CUSTOMERS):
        code, form = divmod(code, len(_FORMS))
        code, trade = divmod(code, len(_TRADES))
        city, name = divmod(code, len(_NAMES))
        customers.append(_CITIES[city] + _NAMES[name] + _TRADES[trade] + _FORMS[form])
    # Each customer belongs to one owner, as on a real team.
    owner_of = {c: owners[rng.randrange(N_OWNERS)] for c in customers}
    channels, weights = _channel_spellings()
    days = sorted(rng.randrange(QUARTER_DAYS) for _ in range(n))
    for day in days:
        date = QUARTER_START + dt.timedelta(days=day)
        customer = customers[int(N_CUSTOMERS * rng.random() ** 1.5)]  # some customers far busier
        first, second = rng.sample(_FRAGMENTS, 2)
        summary = f"{first}，{second}，报价约{rng.randint(30, 4800) / 10:g}万元"
        feedback = rng.choice(_FEEDBACK) if rng.random() > 0.05 else None
        action = rng.choice(_ACTIONS) if rng.random() > 0.03 else None
        due = date + dt.timedelta(days=rng.randint(1, 21))
        channel = rng.choices(channels, weights)[0]
        yield [customer, owner_of[customer], date, channel, summary, feedback, action, due]


def ensure_log(n: int) -> tuple[Path, dict[str, object]]:
    """bench/data/followup-N/log.xlsx, made once (openpyxl write_only) and reused after."""
    folder = DATA / f"followup-{n}"
    path = folder / "log.xlsx"
    meta_path = DATA / f"followup-{n}.json"  # beside the folder: validate reads the folder
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("generator_version") == GENERATOR_VERSION and meta.get("rows") == n:
            return folder, meta
    from openpyxl import Workbook

    folder.mkdir(parents=True, exist_ok=True)
    log(f"writing {path.relative_to(PROJECT)} ({n:,} rows, openpyxl write_only) …")
    started = time.perf_counter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(FOLLOW_UP.zh)
    columns = [FOLLOW_UP.column(key) for key in SEED_KEYS]
    for index, column in enumerate(columns):
        sheet.column_dimensions[chr(ord("A") + index)].width = column.width
    sheet.append([column.zh for column in columns])
    for row in follow_up_rows(n):
        sheet.append(row)
    temporary = folder / ".log.xlsx.tmp"  # hidden: never picked up as a workbook
    workbook.save(temporary)
    os.replace(temporary, path)
    meta = {
        "generator_version": GENERATOR_VERSION,
        "rows": n,
        "seed": SEED,
        "writer": f"openpyxl {metadata.version('openpyxl')} write_only (inline strings)",
        "write_s": round(time.perf_counter() - started, 2),
        "bytes": path.stat().st_size,
        "headers": [column.zh for column in columns],
        "sheet": FOLLOW_UP.zh,
    }
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    log(f"  {meta['write_s']} s, {meta['bytes'] / 1e6:.1f} MB")
    return folder, meta


# --- measured processes ---------------------------------------------------------------------------

# Runs in a fresh interpreter: imports timed apart from the read call.
BARE_READ = """
import json, resource, sys, time
t0 = time.perf_counter()
import pandas as pd
import python_calamine
t1 = time.perf_counter()
frame = pd.read_excel(sys.argv[1], engine="calamine")
t2 = time.perf_counter()
print(json.dumps({"rows": len(frame), "columns": [str(c) for c in frame.columns],
                  "import_s": t1 - t0, "read_s": t2 - t1,
                  "self_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

# Runs `python -m salesbook ARGS` in-process, then reports the parent's and the children's peak RSS.
SPLIT_LAUNCHER = """
import json, resource, runpy, sys
report, sys.argv = sys.argv[1], ["salesbook", *sys.argv[2:]]
code = 0
try:
    runpy.run_module("salesbook", run_name="__main__", alter_sys=True)
except SystemExit as stop:
    code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
sys.stdout.flush()
with open(report, "w") as out:
    json.dump({"self_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               "children_maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
               "exit": code}, out)
sys.exit(code)
"""


@dataclass
class Finished:
    wall_s: float
    returncode: int
    tree_maxrss_kb: int  # wait4(): max RSS of the process and every descendant it waited for
    stdout: str
    stderr: str


def run_process(
    argv: Sequence[str], on_start: Callable[[subprocess.Popen], object] | None = None
) -> Finished:
    """Run argv from the project folder; wall time from just before spawn to reaping.

    `on_start` is called with the process right after it is spawned (bench_batch.py starts a
    memory sampler there)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=PROJECT
        )
        if on_start is not None:
            on_start(process)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Finished(
            wall,
            process.returncode,
            usage.ru_maxrss,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def validate_args(folder: Path) -> list[str]:
    return ["validate", str(folder.relative_to(PROJECT)), "--json", "--today", TODAY]


def measure_bare(path: Path, n: int) -> dict[str, object]:
    done = run_process([sys.executable, "-c", BARE_READ, str(path)])
    if done.returncode != 0:
        raise RuntimeError(f"bare read failed:\n{done.stderr[-3000:]}")
    inner = json.loads(done.stdout.strip().splitlines()[-1])
    expected = [FOLLOW_UP.column(key).zh for key in SEED_KEYS]
    if inner["rows"] != n or inner["columns"] != expected:
        raise RuntimeError(f"bare read saw {inner['rows']} rows, columns {inner['columns']}")
    return {
        "wall_s": done.wall_s,
        "import_s": inner["import_s"],
        "read_s": inner["read_s"],
        "maxrss_mib": done.tree_maxrss_kb / MIB,
    }


def _check_report(stdout: str, returncode: int) -> dict[str, object]:
    if returncode not in (0, 1):
        raise RuntimeError(f"validate exited {returncode}")
    report = json.loads(stdout)
    if report["files"] != ["log.xlsx"]:
        raise RuntimeError(f"validate read {report['files']}")
    unread = [c for c in report["by_code"] if c.startswith(("SB-F", "SB-H"))]
    if unread:
        raise RuntimeError(f"validate did not read the log as a follow-up log: {report['by_code']}")
    return {"exit": returncode, "counts": report["counts"], "by_code": report["by_code"]}


def measure_validate(folder: Path) -> dict[str, object]:
    done = run_process([sys.executable, "-m", "salesbook", *validate_args(folder)])
    checked = _check_report(done.stdout, done.returncode)
    return {"wall_s": done.wall_s, "maxrss_mib": done.tree_maxrss_kb / MIB, **checked}


def measure_split(folder: Path) -> dict[str, object]:
    handle, report_path = tempfile.mkstemp(suffix=".json")
    os.close(handle)
    try:
        done = run_process(
            [sys.executable, "-c", SPLIT_LAUNCHER, report_path, *validate_args(folder)]
        )
        checked = _check_report(done.stdout, done.returncode)
        usage = json.loads(Path(report_path).read_text())
    finally:
        os.unlink(report_path)
    return {
        "wall_s": done.wall_s,
        "maxrss_mib": done.tree_maxrss_kb / MIB,
        "parent_maxrss_mib": usage["self_maxrss_kb"] / MIB,
        "child_maxrss_mib": usage["children_maxrss_kb"] / MIB,
        **checked,
    }


MEASURES = {"bare": measure_bare, "validate": measure_validate, "split": measure_split}


def run_size(n: int, repeats: int, warmup: int) -> dict[str, object]:
    folder, meta = ensure_log(n)
    path = folder / "log.xlsx"

    def once(name: str) -> dict[str, object]:
        return measure_bare(path, n) if name == "bare" else MEASURES[name](folder)

    for index in range(warmup):
        for name in MEASURES:
            result = once(name)
            log(f"  {n:>7,} warm-up {index} {name:8s} {result['wall_s']:6.2f} s (discarded)")
    runs: dict[str, list[dict[str, object]]] = {name: [] for name in MEASURES}
    names = list(MEASURES)
    for rep in range(repeats):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            result = once(name)
            result["repeat"] = rep
            runs[name].append(result)
            extra = f" read call {result['read_s']:.2f} s" if name == "bare" else ""
            log(
                f"  {n:>7,} rep {rep} {name:8s} {result['wall_s']:6.2f} s"
                f"{extra}, peak {result['maxrss_mib']:.0f} MiB  (load {os.getloadavg()[0]:.2f})"
            )
    bare, validate, split = runs["bare"], runs["validate"], runs["split"]
    summary = {
        "bare_read_call_s": summarize(r["read_s"] for r in bare),
        "bare_import_s": summarize(r["import_s"] for r in bare),
        "bare_process_s": summarize(r["wall_s"] for r in bare),
        "validate_s": summarize(r["wall_s"] for r in validate),
        "validate_in_launcher_s": summarize(r["wall_s"] for r in split),
        "ratio_validate_to_bare_process": summarize(
            v["wall_s"] / b["wall_s"] for v, b in zip(validate, bare, strict=True)
        ),
        "ratio_validate_to_bare_read_call": summarize(
            v["wall_s"] / b["read_s"] for v, b in zip(validate, bare, strict=True)
        ),
        "ratio_launcher_to_validate": summarize(
            s["wall_s"] / v["wall_s"] for s, v in zip(split, validate, strict=True)
        ),
        "bare_maxrss_mib": summarize(r["maxrss_mib"] for r in bare),
        "validate_maxrss_mib": summarize(r["maxrss_mib"] for r in validate),
        "validate_parent_maxrss_mib": summarize(r["parent_maxrss_mib"] for r in split),
        "validate_child_maxrss_mib": summarize(r["child_maxrss_mib"] for r in split),
        "validate_by_code": validate[0]["by_code"],
        "validate_exit": validate[0]["exit"],
    }
    return {
        "rows": n,
        "repeats": repeats,
        "warmup": warmup,
        "data": meta,
        "runs": runs,
        "summary": summary,
    }


# --- reporting ------------------------------------------------------------------------------------


def summarize(values: Iterator[float] | Sequence[float]) -> dict[str, float]:
    xs = list(values)
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def fmt(stat: dict[str, float], digits: int = 2, unit: str = "") -> str:
    return f"{stat['median']:.{digits}f}{unit} ({stat['min']:.{digits}f}–{stat['max']:.{digits}f})"


def markdown(results: list[dict[str, object]]) -> str:
    lines = [
        "| rows | bare read call s | bare process s (import s) | validate s "
        "| validate ÷ bare process | validate ÷ bare read call "
        "| peak RSS bare MiB | peak RSS validate MiB: max / parent / reader child |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        s = result["summary"]
        lines.append(
            f"| {result['rows']:,} (n={result['repeats']}) "
            f"| {fmt(s['bare_read_call_s'])} "
            f"| {fmt(s['bare_process_s'])} ({s['bare_import_s']['median']:.2f}) "
            f"| {fmt(s['validate_s'])} "
            f"| **{fmt(s['ratio_validate_to_bare_process'], unit='×')}** "
            f"| {fmt(s['ratio_validate_to_bare_read_call'], unit='×')} "
            f"| {s['bare_maxrss_mib']['max']:.0f} "
            f"| {s['validate_maxrss_mib']['max']:.0f} / {s['validate_parent_maxrss_mib']['max']:.0f}"
            f" / {s['validate_child_maxrss_mib']['max']:.0f} |"
        )
    lines.append("")
    for result in results:
        s = result["summary"]
        ratio = s["ratio_validate_to_bare_process"]["median"]
        rss = s["validate_maxrss_mib"]["max"]
        verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
        line = f"- {result['rows']:,} rows: time ≤ {TARGET_RATIO:g}× bare read: {verdict} ({ratio:.2f}×)"
        if result["rows"] >= 300_000:
            memory = "met" if rss < TARGET_RSS_MIB else "MISSED"
            line += f"; peak RSS < 1 GiB: {memory} ({rss:.0f} MiB)"
        lines.append(line + f"; issues found: {s['validate_by_code'] or 'none'}")
    return "\n".join(lines)


def machine() -> dict[str, object]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        first = Path("/proc/meminfo").read_text().splitlines()[0]
        memory = f"{int(first.split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    packages = {}
    for name in ("salesbook", "pandas", "numpy", "python-calamine", "openpyxl", "click"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": model,
        "memory": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "executable": sys.executable,
        "packages": packages,
    }


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000])
    parser.add_argument(
        "--repeats",
        type=int,
        nargs="+",
        default=None,
        help="one per size, or one for all (default 5 up to 100k rows, 3 above)",
    )
    parser.add_argument("--warmup", type=int, default=1, help="discarded runs of each, per size")
    args = parser.parse_args(argv)
    if args.repeats is None:
        repeats = [5 if n <= 100_000 else 3 for n in args.sizes]
    elif len(args.repeats) == 1:
        repeats = args.repeats * len(args.sizes)
    elif len(args.repeats) == len(args.sizes):
        repeats = args.repeats
    else:
        parser.error("--repeats takes one number or one per size")
    started = dt.datetime.now()
    info = machine()
    load_before = os.getloadavg()
    log(f"{info['cpu_model']}, {info['nproc']} CPUs, load {load_before[0]:.2f}")
    results = [run_size(n, r, args.warmup) for n, r in zip(args.sizes, repeats, strict=True)]
    table = markdown(results)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"validate-{started:%Y%m%d-%H%M%S}.json"
    payload = {
        "started": started.isoformat(timespec="seconds"),
        "seconds": round((dt.datetime.now() - started).total_seconds(), 1),
        "machine": info,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "today": TODAY,
        "targets": {"ratio": TARGET_RATIO, "rss_mib_at_300k": TARGET_RSS_MIB},
        "results": results,
        "table": table,
    }
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), "utf-8")
    log(f"raw results: {out.relative_to(PROJECT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
