"""Templates cannot run code or read files (issue #10, part 2).

A template runs in Jinja2's sandbox; a template folder is used only when the admin names it
(`--templates` or the `templates` setting), never because it appeared among the workbooks;
includes and resources stay inside the template folders after decoding and following symlinks;
PDF attachments are refused. Attacks are tried through the CLI where the user would see them, and
through `Renderer` directly where that proves the point without rendering a whole run.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner, Result
from conftest import TODAY, files_state

from salesbook.cli import cli
from salesbook.errors import RenderError
from salesbook.render import TEMPLATES, Renderer, template_dirs

LETTERS = (TEMPLATES / "letters.html").read_text(encoding="utf-8")
PIXEL = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'


def invoke(folder: Path, output: Path, *args: str) -> Result:
    result = CliRunner().invoke(
        cli, ["run", str(folder), "-o", str(output), "--today", TODAY, "--period", "2023Q4", *args]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def letters_with(payload: str) -> str:
    """The built-in letter with `payload` just before its title."""
    return LETTERS.replace("<h1", payload + "<h1", 1)


def pdf_text(path: Path) -> str:
    return "".join("".join(page.extract_text().split()) for page in pypdf.PdfReader(path).pages)


def folder_with(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text, encoding="utf-8")
    return path


# --- the sandbox -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        ("{{ lipsum.__globals__['os'].popen('id; touch {marker}').read() }}", "不允许的内容"),
        ('<a rel="attachment" href="letters.html">附件</a>', "附件"),
    ],
    ids=["globals", "attachment"],
)
def test_a_hostile_template_stops_the_run_and_keeps_the_old_output(
    org: Path, tmp_path: Path, payload: str, says: str
) -> None:
    output = tmp_path / "out"
    assert invoke(org, output, "--no-pdf").exit_code == 0
    old, inputs = files_state(output), files_state(org)
    marker = tmp_path / "ran"
    ours = folder_with(tmp_path / "ours", {"letters.html": letters_with(payload)})
    (ours / "letters.html").write_text(
        letters_with(payload.replace("{marker}", str(marker))), encoding="utf-8"
    )
    result = invoke(org, output, "--templates", str(ours))
    assert result.exit_code == 2, result.output
    assert "letters.html" in result.output  # the one line names the template or the file
    assert says in result.output
    assert "Traceback" not in result.output
    assert "uid=" not in result.output
    assert not marker.exists()  # the command never ran
    assert files_state(output) == old  # nothing half-written, no PDF with a file inside
    assert files_state(org) == inputs
    assert not any(
        b"uid=" in p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p != marker
    )


@pytest.mark.parametrize(
    "source",
    [
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ joiner.__init__.__globals__['os'] }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ self.__init__.__globals__ }}",
        "{{ lipsum.__globals__ }}",
        "{{ lang.__class__.__base__.__subclasses__() }}",
        "{% set rows = [1] %}{{ rows.append(2) }}",  # immutable: a template cannot change its data
        "{{ letter.__dict__ }}",
    ],
)
def test_the_sandbox_refuses_python_internals(tmp_path: Path, source: str) -> None:
    ours = folder_with(tmp_path / "ours", {"evil.html": source})
    renderer = Renderer(template_dirs(ours))
    with pytest.raises(RenderError, match=re.escape("evil.html")) as error:
        renderer.html("evil.html", letter=object())
    assert "uid=" not in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("{% if %}", "语法错误"),
        ('{% include "nowhere.html" %}', "找不到模板 nowhere.html"),
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
        ("{{ missing_figure }}", "不存在的数据"),
    ],
)
def test_any_template_fault_is_one_render_error(tmp_path: Path, source: str, says: str) -> None:
    ours = folder_with(tmp_path / "ours", {"bad.html": source})
    with pytest.raises(RenderError, match=says):
        Renderer(template_dirs(ours)).html("bad.html")


# --- only a folder the admin names ---------------------------------------------------------------


@pytest.mark.slow
def test_a_templates_folder_dropped_among_the_workbooks_is_ignored_and_reported(
    org: Path, tmp_path: Path
) -> None:
    folder_with(
        org / "templates",
        {"letters.html": letters_with("<p>DROPPED {{ lipsum.__globals__['os'] }}</p>")},
    )
    output = tmp_path / "out"
    result = invoke(org, output)
    assert result.exit_code == 0, result.output  # SB-C004 is a warning
    assert "SB-C004" in result.output
    letter = pdf_text(output / "责任书" / "2023Q4-李明.pdf")
    assert "销售目标责任书" in letter  # the built-in template
    assert "DROPPED" not in letter
    listed = CliRunner().invoke(cli, ["validate", str(org), "--json", "--today", TODAY])
    issues = json.loads(listed.stdout)["issues"]
    assert any(i["code"] == "SB-C004" and i["location"] == "templates" for i in issues)


@pytest.mark.slow
def test_the_templates_setting_names_a_folder_on_purpose(org: Path, tmp_path: Path) -> None:
    folder_with(org / "templates", {"letters.html": LETTERS.replace("奖惩条款", "激励与考核")})
    (org / "salesbook.toml").write_text('templates = "templates"\n', encoding="utf-8")
    output = tmp_path / "out"
    result = invoke(org, output)
    assert result.exit_code == 0, result.output
    assert "SB-C004" not in result.output  # named, so used and not reported
    letter = pdf_text(output / "责任书" / "2023Q4-李明.pdf")
    assert "激励与考核" in letter
    assert "奖惩条款" not in letter


@pytest.mark.slow
def test_templates_option_wins_over_the_setting(org: Path, tmp_path: Path) -> None:
    folder_with(org / "letterhead", {"letters.html": LETTERS.replace("奖惩条款", "由设置指定")})
    (org / "salesbook.toml").write_text('templates = "letterhead"\n', encoding="utf-8")
    ours = folder_with(
        tmp_path / "ours", {"letters.html": LETTERS.replace("奖惩条款", "激励与考核")}
    )
    output = tmp_path / "out"
    result = invoke(org, output, "--templates", str(ours))
    assert result.exit_code == 0, result.output
    letter = pdf_text(output / "责任书" / "2023Q4-李明.pdf")
    assert "激励与考核" in letter
    assert "由设置指定" not in letter


def test_a_templates_setting_outside_the_workbook_folder_is_refused(
    org: Path, tmp_path: Path
) -> None:
    folder_with(tmp_path / "elsewhere", {"letters.html": "x"})
    (org / "inside").mkdir()
    (org / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    for value in ("nope", "/etc", "../elsewhere", "link", str(tmp_path / "elsewhere")):
        (org / "salesbook.toml").write_text(
            f'company = "甲"\ntemplates = "{value}"\n', encoding="utf-8"
        )
        result = CliRunner().invoke(cli, ["validate", str(org), "--json", "--today", TODAY])
        issues = json.loads(result.stdout)["issues"]
        assert [i["location"] for i in issues if i["code"] == "SB-C003"] == [
            "salesbook.toml › 第2行"
        ], value
    (org / "salesbook.toml").write_text('company = "甲"\ntemplates = "inside"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(org), "--json", "--today", TODAY])
    assert not [i for i in json.loads(result.stdout)["issues"] if i["code"].startswith("SB-C")]


# --- includes and resources stay inside the template folders -------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Files a template must never reach."""
    return folder_with(
        tmp_path / "secret",
        {
            "secret.html": "TOP-SECRET",
            "evil.css": "body { color: red }",
            "pixel.svg": PIXEL,
        },
    )


def test_a_symlinked_include_is_refused(tmp_path: Path, outside: Path) -> None:
    ours = folder_with(
        tmp_path / "ours",
        {
            "via_link.html": '{% include "inc.html" %}',
            "via_folder.html": '{% include "sub/secret.html" %}',
            "dotdot.html": '{% include "../secret/secret.html" %}',
            "fine.html": '{% include "part.html" %}',
            "part.html": "PART",
        },
    )
    (ours / "inc.html").symlink_to(outside / "secret.html")
    (ours / "sub").symlink_to(outside, target_is_directory=True)
    renderer = Renderer(template_dirs(ours))
    assert renderer.html("fine.html") == "PART"
    for name, says in [
        ("via_link.html", "inc.html 指向模板文件夹以外"),
        ("via_folder.html", "sub/secret.html 指向模板文件夹以外"),
        ("dotdot.html", "找不到模板"),
    ]:
        with pytest.raises(RenderError, match=re.escape(says)) as error:
            renderer.html(name)
        assert "TOP-SECRET" not in str(error.value)


def page(head: str = "", body: str = "x") -> str:
    return f'<html><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'


def test_resources_inside_the_template_folder_are_served(tmp_path: Path) -> None:
    ours = folder_with(tmp_path / "ours", {"pixel.svg": PIXEL, "extra.css": "p { color: red }"})
    renderer = Renderer(template_dirs(ours))
    html = page('<link rel="stylesheet" href="extra.css">', '<img src="pixel.svg"><p>x</p>')
    assert renderer.document(html).pages


@pytest.mark.parametrize(
    ("head", "body"),
    [
        # %2e%2e is `..` once decoded; the decoy folder named "%2e%2e" makes a raw check pass
        ('<style>body { background: url("%2e%2e/secret/pixel.svg") }</style>', "x"),
        ("", '<img src="%2e%2e/secret/pixel.svg">'),
        ('<link rel="stylesheet" href="%2e%2e/secret/evil.css">', "x"),
        ('<link rel="stylesheet" href="linked.css">', "x"),  # a symlink to a file outside
        ('<style>@import url("linked.css");</style>', "x"),
        ('<style>@font-face { font-family: X; src: url("linked.css") }</style>', "x"),
        ("", '<img src="linked/pixel.svg">'),  # a symlinked folder
        ("", '<img src="file://localhost/etc/passwd">'),
    ],
    ids=["css-url", "img", "link", "symlink-css", "import", "font-face", "symlink-dir", "host"],
)
def test_resources_outside_the_template_folders_are_refused(
    tmp_path: Path, outside: Path, head: str, body: str
) -> None:
    ours = folder_with(
        tmp_path / "ours",
        {"%2e%2e/secret/pixel.svg": PIXEL, "%2e%2e/secret/evil.css": "p { color: blue }"},
    )
    (ours / "linked.css").symlink_to(outside / "evil.css")
    (ours / "linked").symlink_to(outside, target_is_directory=True)
    with pytest.raises(RenderError, match="不允许的资源"):
        Renderer(template_dirs(ours)).document(page(head, body))


def test_a_symlinked_stylesheet_is_refused(tmp_path: Path, outside: Path) -> None:
    ours = tmp_path / "ours"
    ours.mkdir()
    os.symlink(outside / "evil.css", ours / "print.css")
    with pytest.raises(RenderError, match=re.escape("print.css")):
        Renderer(template_dirs(ours))


@pytest.mark.parametrize(
    "html",
    [
        page(
            body='<a rel="attachment" href="pixel.svg">附件</a>'
        ),  # inside the folder: refused too
        page('<link rel="attachment" href="pixel.svg">'),
        page(body='<a rel="attachment" href="file:///etc/passwd">附件</a>'),
        page(body='<a rel="attachment" href="%2e%2e/secret/secret.html">附件</a>'),
    ],
)
def test_attachments_are_refused(tmp_path: Path, outside: Path, html: str) -> None:
    ours = folder_with(tmp_path / "ours", {"pixel.svg": PIXEL})
    with pytest.raises(RenderError, match="附件"):
        Renderer(template_dirs(ours)).document(html)


def test_naming_the_dropped_folder_with_the_option_silences_the_warning(
    org: Path, tmp_path: Path
) -> None:
    folder_with(org / "templates", {"letters.html": LETTERS})
    result = invoke(org, tmp_path / "out", "--no-pdf", "--templates", str(org / "templates"))
    assert result.exit_code == 0, result.output
    assert "SB-C004" not in result.output
    assert "SB-C004" in invoke(org, tmp_path / "out2", "--no-pdf").output
