"""The built-in Word templates of the 销售目标责任书: templates/letter.docx and letter-en.docx.

They are made here with python-docx, not by hand in Word, so they can be made again exactly
(`python -m salesbook.samples.letter_docx [FOLDER]`, default templates/); a test checks that the
committed files are what this script writes. Each holds one letter as a docxtpl (Jinja2) template
over `letter` (a LetterContext: letters_docx.py renders it) and shows what letters.html shows.
A company's own `letter.docx` replaces it (README, "Your own letterhead and wording").

Fonts: 宋体/黑体 as the East Asian fonts, what Word and WPS in China have; LibreOffice and any
reader without them fall back to an installed CJK font (Noto CJK here).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from salesbook.letters_docx import TEMPLATE_NAMES, TEMPLATE_STAMP, stable_docx
from salesbook.render import TEMPLATES

BODY_FONT = ("Times New Roman", "宋体")  # (Latin, East Asian)
HEADING_FONT = ("Arial", "黑体")
REVISED = "{% if letter.revised is defined and letter.revised %}"  # §3 of issue 15 adds it

# Every text of the letter, zh and en, as letters.html prints it. Jinja goes in one run each.
TEXT: dict[str, dict[str, Any]] = {
    "zh": {
        "title": "销售目标责任书",
        "revised": "（变更版）",
        "number": "编号：",
        "period": "考核期限：",
        "period_value": "{{ letter.start | date }} — {{ letter.end | date }}（{{ letter.period }}）",
        "a": "甲方",
        "a_value": "{{ letter.company }}{% if letter.manager %}（代表：{{ letter.manager }}）{% endif %}",
        "b": "乙方",
        "b_value": "{{ letter.owner }}{% if letter.role %}（{{ letter.role }}"
        "{% if letter.region %}，{{ letter.region }}{% endif %}）{% endif %}",
        "intro": "为确保公司 {{ letter.period }} 销售目标的实现，明确责任、落实到人，"
        "经甲乙双方协商一致，签订本责任书。",
        "targets": "一、目标任务",
        "columns": ["指标", "目标维度", "目标值", "占比", "完成标准", "时间节点"],
        "split": "二、目标分解（按季度、月、周、工作日）",
        "split_columns": ["指标", "按季度、按月", "每周", "每工作日"],
        "terms": "三、奖惩条款",
        "reward": "1. 奖励：{{ letter.reward }}",
        "penalty": "2. 惩罚：{{ letter.penalty }}",
        "review": "3. 甲方按月对照上述分解目标检查进度；如有差距，乙方应在复盘会上说明原因并提出改进措施。",
        "other": "四、其他",
        "effect": "本责任书自双方签字之日起生效。本责任书一式两份，甲乙双方各执一份。",
        "sign_a": ["甲方（盖章）：", "代表签字：", "日期："],
        "sign_b": ["乙方（签字）：", "职务：{{ letter.role or '' }}", "日期："],
        "page": ("第 ", " 页 / 共 ", " 页"),
        "open": "（",
        "close": "）",
        "colon": "：",
    },
    "en": {
        "title": "Sales Target Responsibility Letter",
        "revised": " (revised)",
        "number": "No. ",
        "period": "Period: ",
        "period_value": "{{ letter.start | date }} — {{ letter.end | date }} ({{ letter.period }})",
        "a": "Party A",
        "a_value": "{{ letter.company }}{% if letter.manager %} (represented by "
        "{{ letter.manager }}){% endif %}",
        "b": "Party B",
        "b_value": "{{ letter.owner }}{% if letter.role %} ({{ letter.role }}"
        "{% if letter.region %}, {{ letter.region }}{% endif %}){% endif %}",
        "intro": "Party A and Party B agree on the following sales targets for "
        "{{ letter.period }}, their standards and terms.",
        "targets": "1. Targets",
        "columns": ["Target", "Scope", "Amount", "Share", "Standard", "Deadline"],
        "split": "2. Run-rate: by quarter, month, week and working day",
        "split_columns": ["Target", "By quarter and month", "Per week", "Per working day"],
        "terms": "3. Rewards and penalties",
        "reward": "1. Reward: {{ letter.reward }}",
        "penalty": "2. Penalty: {{ letter.penalty }}",
        "review": "3. Progress is reviewed monthly; Party B explains any shortfall at the review "
        "meeting.",
        "other": "4. Other",
        "effect": "This letter takes effect when signed by both parties; it is made in two "
        "copies, one for each.",
        "sign_a": ["Party A (seal):", "Representative:", "Date:"],
        "sign_b": ["Party B (signature):", "Role: {{ letter.role or '' }}", "Date:"],
        "page": ("Page ", " of ", ""),
        "open": " (",
        "close": ")",
        "colon": ": ",
    },
}
LINE = "＿" * 10  # where a signature or a date is written by hand


def _fonts(element, latin: str, east_asian: str) -> None:
    """Latin and East Asian font names on a style's or a run's rPr."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(slot), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _styles(document) -> None:
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.font.color.rgb = RGBColor(0x1A, 0x1A, 0x1A)
    _fonts(normal.element, *BODY_FONT)
    normal.paragraph_format.space_after = Pt(3)
    normal.paragraph_format.line_spacing = 1.25
    for name, size in (("Title", 20), ("Heading 1", 12.5)):
        style = document.styles[name]
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0x1A, 0x1A, 0x1A)
        _fonts(style.element, *HEADING_FONT)
        style.paragraph_format.keep_with_next = True  # never last on a page
    title = document.styles["Title"].paragraph_format
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.space_after = Pt(10)
    heading = document.styles["Heading 1"].paragraph_format
    heading.space_before, heading.space_after = Pt(12), Pt(4)
    # The default Title style draws a rule under the text and spaces its letters: not ours.
    for border in document.styles["Title"].element.xpath("./w:pPr/w:pBdr"):
        border.getparent().remove(border)


def _page(document, words: dict) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4, as print.css
    section.top_margin = section.bottom_margin = Cm(2.0)
    section.left_margin = section.right_margin = Cm(2.2)
    # Each letter counts its own pages: in the combined file each is a section starting at 1.
    numbering = OxmlElement("w:pgNumType")
    numbering.set(qn("w:start"), "1")
    section._sectPr.append(numbering)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, middle, after = words["page"]
    footer.add_run(before)
    _field(footer, "PAGE")
    footer.add_run(middle)
    _field(footer, "NUMPAGES")  # the combined file counts each letter's own (SECTIONPAGES)
    footer.add_run(after)
    for run in footer.runs:
        run.font.size = Pt(8.5)


def _field(paragraph: Paragraph, code: str) -> None:
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), f" {code} ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)


def _cell(table: Table, row: int, column: int, text: str, bold: bool = False, right=False):
    cell = table.cell(row, column)
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(9.5)
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return cell


def _cell_paragraph(cell, text: str, size: float = 9.5, right: bool = False) -> None:
    paragraph = cell.add_paragraph()
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _shade(cell, fill: str = "EEF1F5") -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _loop_table(document, columns: list[str], widths: list[float], numeric: set[int]) -> Table:
    """A table: header row, a `{%tr for target in letter.targets %}` row, the target's row,
    `{%tr endfor %}` (docxtpl repeats the row in between once per target)."""
    table = document.add_table(rows=4, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, name in enumerate(columns):
        _shade(_cell(table, 0, i, name, bold=True))
        table.cell(0, i).paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    header = table.rows[0]._tr.get_or_add_trPr()
    header.append(OxmlElement("w:tblHeader"))  # repeated on the next page
    table.cell(1, 0).paragraphs[0].add_run("{%tr for target in letter.targets %}")
    table.cell(3, 0).paragraphs[0].add_run("{%tr endfor %}")
    _widths(table, widths)
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for i in numeric:
        table.cell(2, i).paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return table


def _widths(table: Table, widths: list[float]) -> None:
    """Fixed column widths, in the grid (LibreOffice reads) and in every cell (Word reads)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)


def _borderless(table: Table) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "nil")
        borders.append(edge)
    table._tbl.tblPr.append(borders)


def build(lang: str = "zh"):
    """The template as a python-docx Document."""
    words = TEXT[lang]
    document = Document()
    _styles(document)
    _page(document, words)
    core = document.core_properties
    core.author = core.last_modified_by = "salesbook"
    core.title, core.subject, core.keywords, core.comments = words["title"], "", "", ""
    core.revision = 1

    title = document.add_paragraph(style="Title")
    title.add_run(words["title"])
    title.add_run(REVISED + words["revised"] + "{% endif %}")

    meta = document.add_paragraph()
    meta.paragraph_format.tab_stops.add_tab_stop(Cm(16.6), WD_TAB_ALIGNMENT.RIGHT)
    meta.add_run(words["number"] + "{{ letter.number }}")
    meta.add_run("\t" + words["period"])
    meta.add_run(words["period_value"])
    for run in meta.runs:
        run.font.size = Pt(9)

    parties = document.add_table(rows=2, cols=2)
    _borderless(parties)
    for row, (label, value) in enumerate(
        ((words["a"], words["a_value"]), (words["b"], words["b_value"]))
    ):
        _cell(parties, row, 0, label, bold=True)
        _cell(parties, row, 1, value)
    _widths(parties, [2.0, 14.6])
    document.add_paragraph(words["intro"])

    document.add_paragraph(words["targets"], style="Heading 1")
    table = _loop_table(document, words["columns"], [2.2, 2.4, 3.2, 1.5, 3.6, 3.7], {2, 3})
    amount = table.cell(2, 2)
    amount.paragraphs[0].add_run(
        '{% if target.unit == "元" %}{{ target.amount | money }}'
        "{% else %}{{ target.amount | count }} {{ target.unit_text }}{% endif %}"
    ).font.size = Pt(9.5)
    _cell_paragraph(amount, '{%p if target.unit == "元" %}')
    _cell_paragraph(amount, "{{ target.amount | capital }}", size=8, right=True)
    _cell_paragraph(amount, "{%p endif %}")
    for column, text in (
        (0, "{{ target.metric }}"),
        (1, "{{ target.dimension }}"),
        (3, "{{ target.share | pct }}"),
        (4, "{{ target.standard or '—' }}"),
        (5, "{{ target.deadline | date }}"),
    ):
        _cell(table, 2, column, text, right=column == 3)

    document.add_paragraph(words["split"], style="Heading 1")
    split = _loop_table(document, words["split_columns"], [4.4, 6.0, 3.1, 3.1], {2, 3})
    _cell(
        split,
        2,
        0,
        "{{ target.metric }}" + words["open"] + "{{ target.dimension }}" + words["close"],
    )
    # Quarters, then months, one line each; a period of one month shows a dash.
    _cell(
        split,
        2,
        1,
        "{% for label, amount in target.quarters + target.months %}{{ label }}"
        + words["colon"]
        + "{{ amount | figure(target) }}{% if not loop.last %}{{ '\\n' }}{% endif %}"
        "{% else %}—{% endfor %}",
    )
    _cell(split, 2, 2, "{{ target.weekly | figure(target) }}")
    _cell(split, 2, 3, "{{ target.daily | figure(target) }}")

    document.add_paragraph(words["terms"], style="Heading 1")
    for key in ("reward", "penalty", "review"):
        document.add_paragraph(words[key]).paragraph_format.left_indent = Cm(0.4)
    document.add_paragraph(words["other"], style="Heading 1")
    document.add_paragraph(words["effect"])

    document.add_paragraph().paragraph_format.space_after = Pt(18)
    signatures = document.add_table(rows=3, cols=2)
    _borderless(signatures)
    for row in range(3):
        for column, key in enumerate(("sign_a", "sign_b")):
            text = words[key][row]
            cell = _cell(signatures, row, column, text if "{{" in text else text + " " + LINE)
            cell.paragraphs[0].paragraph_format.space_after = Pt(12)
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(10.5)
    _widths(signatures, [8.3, 8.3])
    # The body ends on a paragraph: the combined file puts each letter's section break there.
    document.add_paragraph()
    return document


def write(folder: Path = TEMPLATES) -> list[Path]:
    """Both templates into `folder`, byte for byte the same on every run."""
    import io

    written = []
    for lang, name in TEMPLATE_NAMES.items():
        buffer = io.BytesIO()
        build(lang).save(buffer)
        path = folder / name
        path.write_bytes(stable_docx(buffer.getvalue(), TEMPLATE_STAMP))
        written.append(path)
    return written


if __name__ == "__main__":
    for written in write(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATES):
        print(written)  # noqa: T201
