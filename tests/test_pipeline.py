"""The evidence pipeline: each registered component marks its spans with the offsets of the text."""

from loaders.evidence import evidence
from loaders.pipeline import SPANS_KEY, annotate, evidence_pipeline, records

TEXT = "落实《山西省推进运输结构调整实施方案》（晋政办发﹝2019﹞30号），2020年9月底前完成，铁路运输比例达到80%以上。（市交通局牵头，市生态环境局配合）"


def test_components_are_registered_in_order():
    assert evidence_pipeline().pipe_names == [
        "lantian_agencies",
        "lantian_dates",
        "lantian_targets",
        "lantian_docrefs",
    ]


def test_every_span_is_the_text_it_stands_for():
    doc = annotate(TEXT.replace("(", "（"), plan_year=2020)
    spans = {(s.label_, s.text) for s in doc.spans[SPANS_KEY]}
    assert ("AGENCY", "市交通局") in spans and ("AGENCY", "市生态环境局") in spans
    assert ("DATE", "2020年9月底前") in spans
    assert any(label == "TARGET" and "80%" in text for label, text in spans)
    (ref,) = records(doc, "DOCREF")
    assert ref.title == "山西省推进运输结构调整实施方案" and ref.doc_number == "晋政办发〔2019〕30号"
    (deadline,) = records(doc, "DATE")
    assert deadline.due_date == "2020-09-30" and TEXT[deadline.start : deadline.end] == "2020年9月底前"


def test_a_component_can_be_skipped():
    doc = annotate(TEXT, plan_year=2020, skip=("lantian_agencies",))
    assert not [s for s in doc.spans[SPANS_KEY] if s.label_ == "AGENCY"]
    assert records(doc, "DATE")


def test_the_builds_doc_free_evidence_matches_the_pipelines_records_on_every_bundled_paragraph():
    """loaders.evidence.evidence (what the build runs) finds exactly what the spaCy components mark."""
    from loaders.corpus import bundled_plans_dir
    from loaders.outline import parse_outline
    from loaders.reading import read_plan

    found = {"DATE": 0, "TARGET": 0, "DOCREF": 0}
    for path in sorted(bundled_plans_dir().glob("*.txt")):
        for paragraph in parse_outline(read_plan(path).match):
            for year in (2020, None):
                fast = evidence(paragraph.text, year)
                doc = annotate(paragraph.text, year, skip=("lantian_agencies",))
                for label in found:
                    assert fast[label] == records(doc, label), (path.name, paragraph.text, label)
                    found[label] += len(fast[label])
    assert found["DATE"] > 100 and found["TARGET"] > 100 and found["DOCREF"] > 10, found


def test_records_that_share_a_span_keep_their_own_record():
    """One phrase, three targets: three TARGET spans with the same offsets, each marking its own target."""
    text = "到2020年，全市二氧化硫、氮氧化物、挥发性有机物排放总量分别比2015年下降3%、5%、2%。"
    doc = annotate(text, plan_year=2018)
    spans = [s for s in doc.spans[SPANS_KEY] if s.label_ == "TARGET"]
    phrase = "全市二氧化硫、氮氧化物、挥发性有机物排放总量分别比2015年下降3%、5%、2%"
    assert [s.text for s in spans] == [phrase] * 3
    assert [(s._.record.indicator, s._.record.value) for s in spans] == [
        ("二氧化硫排放总量", 3),
        ("氮氧化物排放总量", 5),
        ("挥发性有机物排放总量", 2),
    ]
    assert records(doc, "TARGET") == [s._.record for s in spans]
    assert [r.indicator for r in evidence(text, 2018)["TARGET"]] == [
        r.indicator for r in records(doc, "TARGET")
    ]
