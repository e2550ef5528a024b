"""Plans as governments publish them (.docx, .pdf, .doc), made at test time by the real tools (tests/formats.py:
python-docx writes each bundled plan as a Word document, its responsibility table as a ruled Word table; LibreOffice
headless prints it to PDF or saves it as .doc), read as the same plan as its .txt.

What the comparison allows: a task's text is compared with its whitespace removed (a table row is one line of
tab-separated cells in the Word and PDF text, its cells one per line in the .txt), and a task's place (offsets,
outline section) is not compared, since the texts are laid out differently. Its roles, agencies and deadlines must
be the same.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from kg.cli import main
from kg.evaluate import evaluate, normalise
from loaders import office
from loaders.plan import load_plan
from loaders.reading import PlanInputError, read_plan
from tests.formats import convert, copy_gold, need_soffice, write_docx
from tests.helpers import assert_each_named, assert_each_refused

ROOT = Path(__file__).resolve().parent.parent
PLANS = sorted((ROOT / "data" / "plans").glob("*.txt"))
GOLD = ROOT / "tests" / "data" / "bundled_gold"
FORMATS = ("txt", "docx", "pdf")
MIN_ROLE_F1 = 0.98


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """Every bundled plan as .txt, .docx and .pdf, each format in its own folder with a copy of the gold."""
    need_soffice()
    root = tmp_path_factory.mktemp("published")
    for fmt in FORMATS:
        (root / fmt / "plans").mkdir(parents=True)
        for plan in PLANS:
            copy_gold(GOLD / f"{plan.stem}.json", root / fmt / "gold", f".{fmt}")
    docx = []
    for plan in PLANS:
        shutil.copy(plan, root / "txt" / "plans")
        docx.append(
            write_docx(plan.read_text(encoding="utf-8"), root / "docx" / "plans" / f"{plan.stem}.docx")
        )
    convert(docx, "pdf", root / "pdf" / "plans")
    return root


def _facts(path: Path) -> list[tuple]:
    """What a plan states, format aside: each task's text (no whitespace), its roles and its due dates."""
    plan = load_plan(path)
    return sorted(
        (
            normalise(task.text),
            tuple(sorted((a.role, a.agency.name) for a in task.attributions)),
            tuple(sorted(d.due_date for d in task.deadlines)),
        )
        for task in plan.tasks
    )


@pytest.mark.parametrize("plan", [p.stem for p in PLANS])
def test_word_and_pdf_state_the_same_tasks_as_the_text(published, plan):
    txt = _facts(published / "txt" / "plans" / f"{plan}.txt")
    assert txt, plan
    for fmt in ("docx", "pdf"):
        assert _facts(published / fmt / "plans" / f"{plan}.{fmt}") == txt, f"{plan}.{fmt}"


def test_role_f1_of_each_format_against_the_gold(published):
    scores = {fmt: evaluate(published / fmt / "gold", published / fmt / "plans") for fmt in FORMATS}
    print("\nrole F1 per plan (gold: tests/data/bundled_gold)")
    print(f"{'plan':24s}" + "".join(f"{fmt:>8s}" for fmt in FORMATS))
    for plan in PLANS:
        figures = [scores[fmt].files[f"{plan.stem}.{fmt}"].role_f1 for fmt in FORMATS]
        print(f"{plan.stem:24s}" + "".join(f"{f:8.3f}" for f in figures))
    for fmt in FORMATS:
        assert not scores[fmt].problems, scores[fmt].problems
        for name, score in scores[fmt].files.items():
            assert score.role_f1 >= MIN_ROLE_F1, (name, score.figures())
            txt = scores["txt"].files[Path(name).with_suffix(".txt").name]
            assert score.deadline_f1 == txt.deadline_f1, name
            assert score.found_tasks == txt.found_tasks, name


def test_word_table_is_read_as_rows_of_cells(published):
    """红河's appendix 责任清单: a ruled Word table (主要任务 | 责任单位) with section rows merged across it; in the
    PDF it runs over many pages, its header repeated on each and rows split by page breaks."""
    for fmt in ("docx", "pdf"):
        lines = read_plan(published / fmt / "plans" / f"{PLANS[0].stem}.{fmt}").display.split("\n")
        assert lines.count("主要任务\t责任单位") == 1, (
            fmt
        )  # the header once: its repeats on each page left out
        start = lines.index("主要任务\t责任单位")
        assert lines[start + 1] == "一、优化产业布局"  # a section row: one cell across the table
        task, units = lines[start + 2].split("\t")
        assert task.startswith("1．完成生态保护红线") and units.startswith("州环境保护局牵头；")
        rows = [line for line in lines[start:] if "\t" in line]
        assert len(rows) >= 50, fmt
        assert all(len(row.split("\t")) == 2 for row in rows), fmt


def test_pdf_pages_read_as_running_text(published):
    """No page number, and no paragraph cut by a line wrap or a page break, in the PDF's text."""
    pdf = read_plan(published / "pdf" / "plans" / f"{PLANS[3].stem}.pdf").display
    txt = read_plan(published / "txt" / "plans" / PLANS[3].name).display
    assert not [line for line in pdf.split("\n") if re.fullmatch(r"— \d+ —", line)]  # the footers "— N —"
    assert pdf == txt  # every paragraph whole, as the .txt has it


# ------------------------------------------------------------------------------------------- one build


def test_a_folder_of_every_format_loads_in_one_build(published, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(published / "docx" / "plans" / f"{PLANS[0].stem}.docx", folder)
    shutil.copy(published / "txt" / "plans" / PLANS[1].name, folder)
    shutil.copy(published / "pdf" / "plans" / f"{PLANS[2].stem}.pdf", folder)
    shutil.copy(ROOT / "tests" / "data" / "reading" / "plan_page.html", folder)
    convert([published / "docx" / "plans" / f"{PLANS[4].stem}.docx"], "doc", folder)
    store = tmp_path / "store"
    result = CliRunner().invoke(main, ["build", "--store", str(store), str(folder)])
    assert result.exit_code == 0, result.output
    assert "error:" not in result.output, result.output
    for name in [
        f"{PLANS[0].stem}.docx",
        PLANS[1].name,
        f"{PLANS[2].stem}.pdf",
        "plan_page.html",
        f"{PLANS[4].stem}.doc",
    ]:
        assert name in result.output, (name, result.output)

    from web import create_app

    client = create_app({"STORE": store, "TESTING": True}).test_client()
    home = client.get("/", headers={"Accept": "application/json"}).get_json()
    honghe = next(row["plan"] for row in home["gaps"] if row["title"].startswith("红河州"))
    plan = client.get(_path(honghe), headers={"Accept": "application/json"}).get_json()
    row = next(task for task in plan["tasks"] if "完成生态保护红线" in json.dumps(task, ensure_ascii=False))
    iri = next(v for v in row.values() if isinstance(v, str) and "/id/task/" in v)
    page = client.get(_path(iri))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "完成生态保护红线" in html and "州环境保护局" in html


def _path(iri: str) -> str:
    return "/id/" + iri.split("/id/", 1)[1]


# ------------------------------------------------------------------------------------------- bad files


def _bad_files(published: Path, folder: Path) -> dict[str, str]:
    """Damaged files made from the real ones, each with the words its error must say."""
    good_pdf = published / "pdf" / "plans" / f"{PLANS[1].stem}.pdf"
    good_docx = published / "docx" / "plans" / f"{PLANS[1].stem}.docx"
    (folder / "truncated.pdf").write_bytes(good_pdf.read_bytes()[: good_pdf.stat().st_size // 3])
    (folder / "truncated.docx").write_bytes(good_docx.read_bytes()[: good_docx.stat().st_size // 2])
    (folder / "notes.pdf").write_text("这不是PDF文件，只是改了扩展名的文本。", encoding="utf-8")
    import pypdfium2

    pypdfium2.PdfDocument.new().save(str(folder / "zero-pages.pdf"))
    Document().save(str(folder / "empty.docx"))
    _scanned_pdf(folder)
    secret = '{"EncryptFile":{"type":"boolean","value":"true"},"DocumentOpenPassword":{"type":"string","value":"s3"}}'
    locked = folder / "locked"
    convert([good_docx], f"pdf:writer_pdf_Export:{secret}", locked)
    shutil.move(locked / good_docx.with_suffix(".pdf").name, folder / "encrypted.pdf")
    shutil.rmtree(locked)
    (folder / "plan.ofd").write_bytes(b"PK\x03\x04 an OFD package")
    return {
        "truncated.pdf": "damaged or truncated PDF",
        "truncated.docx": "damaged or truncated .docx",
        "notes.pdf": "damaged or truncated PDF",
        "zero-pages.pdf": "no pages",
        "empty.docx": "empty document",
        "scanned.pdf": "no text layer: needs OCR",
        "encrypted.pdf": "encrypted PDF",
        "plan.ofd": "OFD (GB/T 33190) is not supported",
    }


def _scanned_pdf(folder: Path) -> None:
    """A scan: a page that is a picture of a plan's text, no text layer (matplotlib draws it, LibreOffice prints)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.font_manager import FontProperties

    font = subprocess.run(
        ["fc-match", "-f", "%{file}", "Noto Sans CJK SC"], capture_output=True, text=True
    ).stdout
    figure = pyplot.figure(figsize=(6, 2))
    figure.text(0.1, 0.5, "某某市打赢蓝天保卫战实施方案", fontproperties=FontProperties(fname=font, size=18))
    figure.savefig(folder / "scan.png", dpi=100)
    pyplot.close(figure)
    document = Document()
    document.add_picture(str(folder / "scan.png"))
    document.save(str(folder / "scanned.docx"))
    convert([folder / "scanned.docx"], "pdf", folder / "scan")
    shutil.move(folder / "scan" / "scanned.pdf", folder / "scanned.pdf")
    for leftover in ("scan.png", "scanned.docx", "scan"):
        path = folder / leftover
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def test_bad_files_are_named_with_the_reason_and_the_others_load(published, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    expected = _bad_files(published, folder)
    assert_each_refused(folder, expected)
    shutil.copy(published / "pdf" / "plans" / f"{PLANS[3].stem}.pdf", folder)
    result = CliRunner().invoke(main, ["build", "--store", str(tmp_path / "store"), str(folder)])
    assert result.exit_code == 0, result.output
    assert_each_named(result.stderr, expected)
    assert f"{PLANS[3].stem}.pdf" in result.stdout


def test_legacy_word_without_libreoffice_names_the_package(tmp_path, monkeypatch):
    path = tmp_path / "plan.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    monkeypatch.setattr(office, "soffice", lambda: None)
    for suffix in (".doc", ".wps"):
        with pytest.raises(PlanInputError) as error:
            read_plan(path.rename(path.with_suffix(suffix)) if path.suffix != suffix else path)
        assert "soffice is not on PATH" in str(error.value) and office.DEBIAN_PACKAGE in str(error.value)
        path = path.with_suffix(suffix)


def test_ci_has_libreoffice():
    """On CI the conversions above must run, not be skipped: .ci/run installs LibreOffice."""
    if os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        pytest.skip("outside CI (CI=true): a developer without LibreOffice may skip the document tests")
    assert office.soffice(), f"soffice missing on CI: .ci/run must install {office.DEBIAN_PACKAGE}"
    version = subprocess.run([office.soffice(), "--version"], capture_output=True, text=True, timeout=120)
    assert "LibreOffice" in version.stdout
