"""The evaluation command (issue 4): question-set loading, metrics over canned answers on a tiny index,
the JSON keys, the HTML report, the --corpus cache that never touches the app's index, and an end-to-end
`python -m qa eval` on the seed corpus. Offline and fast: the hash-64 test embedder."""

import json
import os
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qa import cli
from qa.api import build_index
from qa.errors import QuestionSetError
from qa.evaluate import runner as evaluation
from qa.evaluate import summary
from qa.evaluate.questions import EvalQuestion, load_questions
from qa.index.layout import current_folder, write_lock
from qa.index.loaded import load_index
from qa.ingest.readers import read_paths
from qa.records import Answer, Citation, Passage
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEED_QUESTIONS = ROOT.parent / "shared" / "questions" / "seed-dev.jsonl"
HASH = Settings(model="hash-64")
TOP_KEYS = {*summary.METRICS, "n_questions", "n_articles", "settings", "questions"}


def write_lines(path: Path, rows) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


# ---------------------------------------------------------------- question sets


def test_load_questions(tmp_path):
    path = write_lines(
        tmp_path / "q.jsonl",
        [
            {
                "id": "q1",
                "question": "Who?",
                "answers": ["A"],
                "evidence": ["e"],
                "doc_ids": ["d"],
                "date": "2022-06-16",
            },
            "",
            {"id": "q2", "question": "What?", "answers": [], "extra": 1},
        ],
    )
    assert load_questions(path) == [
        EvalQuestion("q1", "Who?", ("A",), ("e",), ("d",), "2022-06-16"),
        EvalQuestion("q2", "What?", ()),
    ]


def test_bad_question_lines_are_all_reported_with_file_and_line(tmp_path):
    path = write_lines(
        tmp_path / "q.jsonl",
        [
            {"id": "q1", "question": "Who?", "answers": ["A"]},
            "{not json",
            {"id": "q3", "answers": ["A"]},
            {"id": "q4", "question": "Who?", "answers": "A"},
            {"id": "q1", "question": "Again?", "answers": []},
            ["a", "list"],
            {"id": "q7", "question": "Who?"},
        ],
    )
    with pytest.raises(QuestionSetError) as e:
        load_questions(path)
    msg = str(e.value)
    for line, words in [
        (2, "not valid JSON"),
        (3, '"question" must be non-empty text'),
        (4, '"answers" must be a list of strings'),
        (5, "duplicate id 'q1'"),
        (6, "expected a JSON object"),
        (7, '"answers" is missing'),
    ]:
        assert f"{path}:{line}: {words}" in msg
    assert f"{path}:1:" not in msg


def test_empty_and_missing_question_sets(tmp_path):
    with pytest.raises(QuestionSetError, match="holds no questions"):
        load_questions(write_lines(tmp_path / "empty.jsonl", [""]))
    with pytest.raises(QuestionSetError, match="no question set at"):
        load_questions(tmp_path / "missing.jsonl")


# ---------------------------------------------------------------- metrics over canned answers

ARTICLES = [
    {
        "id": "a1",
        "title": "Prize <b>news</b>",
        "text": "Alice Smith won the prize in 2020. The jury praised her <img src=x onerror=alert(1)>.",
    },
    {"id": "a2", "title": "Race", "text": "Bob Jones lost the race. The race took place in Paris."},
    {"id": "a3", "title": "Weather", "text": "Weather was sunny. Nothing else happened."},
]
QUESTIONS = [
    {
        "id": "q1",
        "question": "Who won the prize? <script>alert(1)</script>",
        "answers": ["Alice Smith"],
        "evidence": ["Alice Smith won the prize"],
    },
    {"id": "q2", "question": "Where was the race?", "answers": ["Paris"], "doc_ids": ["a2"]},
    {"id": "q3", "question": "What is the capital of Australia?", "answers": []},
    {"id": "q4", "question": "Who was Carol?", "answers": ["Carol"], "evidence": ["Carol was not here"]},
    {"id": "q5", "question": "Who is the king of Mars?", "answers": []},
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    write_lines(folder / "corpus.jsonl", ARTICLES)
    build_index([folder / "corpus.jsonl"], folder / "index", HASH, progress=False)
    return load_index(folder / "index"), write_lines(folder / "questions.jsonl", QUESTIONS)


def canned(index) -> dict[str, Answer]:
    """Answers as if from ask(): q1 right (relevant passage at rank 2), q2 too long and citing the wrong
    article (relevant passage at rank 1), q3 abstained rightly, q4 abstained wrongly (its evidence is in
    no article), q5 answers an unanswerable question with a citation that does not match its article."""
    span = {c.doc_id: c for c in index.chunks}

    def passages(*ids):
        return tuple(Passage(d, span[d].start, span[d].end, span[d].text, 0.5, d) for d in ids)  # equal scores

    def cite(doc_id, start, end, quote=None):
        text = index.articles[doc_id].text
        return Citation(doc_id, doc_id, "", start, end, text[start:end] if quote is None else quote)

    long = "in the city of Paris, France, which is lovely and big and old and famous"
    return {
        "q1": Answer("", "Alice Smith", False, (cite("a1", 0, 33),), passages("a2", "a1", "a3")),
        "q2": Answer("", long, False, (cite("a1", 35, 55),), passages("a2", "a1")),
        "q3": Answer("", "not found", True, (), passages("a3")),
        "q4": Answer("", "not found", True, (), passages("a1", "a2")),
        "q5": Answer("", "Bob", False, (cite("a2", 0, 9, quote="Bob Smith"),), passages("a2")),
    }


def evaluate_canned(index, questions: list[EvalQuestion]) -> dict:
    """evaluate() with ask() replaced by the canned answers (answer_one is its only caller of ask())."""
    answers = canned(index)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluation, "answer_one", lambda idx, q, settings=None, use_dates=True: answers[q.id])
        mp.setattr(evaluation, "warm_up", lambda *a: None)
        return evaluation.evaluate(index, questions)


@pytest.fixture(scope="module")
def result(tiny):
    index, questions = tiny
    return evaluate_canned(index, load_questions(questions))


def test_metrics_over_canned_answers(result):
    ndcg_rank2 = 1 / 1.584962500721156  # 1 / log2(3): the one relevant article at rank 2
    expected = {
        "hit@1": 1 / 3,
        "hit@5": 2 / 3,
        "hit@10": 2 / 3,
        "mrr@10": (0.5 + 1 + 0) / 3,  # q1, q2, q4
        "ndcg@10": (ndcg_rank2 + 1 + 0) / 3,
        "answer_accuracy": 1 / 3,
        "answer_em": 1 / 3,
        "answer_f1": (1 + 2 / 15 + 0) / 3,  # q2: P 1/14, R 1
        "abstain_precision": 1 / 2,
        "abstain_recall": 1 / 2,  # abstained q3 q4; unanswerable q3 q5
        "citation_exact": 2 / 3,
        "citation_support": 1 / 2,  # answered with relevance: q1 yes, q2 no
    }
    for key, value in expected.items():
        assert result[key] == pytest.approx(value), key
    assert 0 <= result["latency_p50_ms"] <= result["latency_p95_ms"]
    assert (result["n_questions"], result["n_articles"]) == (5, 3)


def test_per_question_records(result):
    q = {r["id"]: r for r in result["questions"]}
    assert [q[i]["scores"]["correct"] for i in ("q1", "q2", "q3", "q4", "q5")] == [True, False, True, False, False]
    assert q["q1"]["first_relevant_rank"] == 2 and [p["relevant"] for p in q["q1"]["passages"]] == [False, True, False]
    assert q["q4"]["first_relevant_rank"] is None and q["q4"]["scores"]["mrr@10"] == 0.0  # counted as 0
    assert q["q4"]["not_in_index"] == ["evidence quote 'Carol was not here'"]
    assert q["q3"]["first_relevant_rank"] is None and "mrr@10" not in q["q3"]["scores"]  # no relevance info
    assert "answer_f1" not in q["q5"]["scores"] and [c["exact"] for c in q["q5"]["citations"]] == [False]
    assert q["q2"]["scores"]["answer_accuracy"] == 0.0 and q["q2"]["scores"]["answer_f1"] == pytest.approx(2 / 15)
    for key in (
        "id",
        "question",
        "answers",
        "answer",
        "abstained",
        "citations",
        "passages",
        "first_relevant_rank",
        "latency_ms",
        "scores",
    ):
        assert key in q["q1"]


def test_json_has_exactly_the_metric_keys(result, tmp_path):
    summary.write_json(result, tmp_path / "out" / "eval.json")
    data = json.loads((tmp_path / "out" / "eval.json").read_text(encoding="utf-8"))
    assert set(data) == TOP_KEYS
    assert data["settings"]["model"] == "hash-64"


def test_a_set_without_unanswerable_questions_or_abstentions_gives_null(tiny):
    res = evaluate_canned(tiny[0], [EvalQuestion("q1", "Who won?", ("Alice Smith",))])
    assert res["abstain_precision"] is None and res["abstain_recall"] is None
    assert res["hit@1"] is None and res["citation_support"] is None  # no evidence or doc_ids
    assert "n/a" in summary.format_table(res)


# ---------------------------------------------------------------- the HTML report


class Tags(HTMLParser):
    """Every tag name and attribute of a page, as a browser would parse them."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self.attrs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.names.add(tag)
        self.attrs += [(tag, name, value or "") for name, value in attrs]


def test_report_is_self_contained_and_escapes_text(result, tmp_path):
    from qa.evaluate.report import write_report

    write_report(result, tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    tags = Tags()
    tags.feed(page)
    srcs = [v for tag, name, v in tags.attrs if name == "src"]
    # recall-abstention curve, latency histogram, reliability of the confidence
    assert len(srcs) == 3 and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert all(v.startswith("#") for tag, name, v in tags.attrs if name in ("href", "action", "srcset"))
    assert not [name for _, name, _ in tags.attrs if name.startswith("on")]  # no event handlers
    assert not {"script", "link", "iframe", "object", "embed"} & tags.names
    assert "<script" not in page and "<img src=x" not in page and "<b>news" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the question, escaped
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the article text, escaped
    for failed_id in ("q2", "q4", "q5"):
        assert f'id="q-{failed_id}"' in page
    assert 'id="q-q3"' not in page


# ---------------------------------------------------------------- the command


def snapshot(folder: Path) -> dict:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def eval_args(questions, tmp_path, *more) -> list[str]:
    return [
        "eval",
        str(questions),
        "--corpus",
        str(ROOT / "corpus"),
        "--model",
        "hash-64",
        "--cache",
        str(tmp_path / "cache"),
        *more,
    ]


def test_corpus_leaves_the_app_index_untouched_and_is_cached(tiny, tmp_path, capsys):
    app = tmp_path / "app-index"
    build_index([ROOT / "corpus"], app, HASH, progress=False)
    before = snapshot(app)
    questions = tiny[1]
    assert cli.main(eval_args(questions, tmp_path, "--index", str(app), "--limit", "2")) == 0
    assert snapshot(app) == before
    built = [p for p in (tmp_path / "cache").iterdir() if not p.name.startswith(".")]  # not the lock file
    assert len(built) == 1 and current_folder(built[0]) is not None
    stamp = (current_folder(built[0]) / "manifest.json").stat().st_mtime_ns
    assert cli.main(eval_args(questions, tmp_path, "--index", str(app), "--limit", "1")) == 0  # reused
    assert (current_folder(built[0]) / "manifest.json").stat().st_mtime_ns == stamp and snapshot(app) == before
    missing = tmp_path / "no-app-index"
    assert cli.main(eval_args(questions, tmp_path, "--index", str(missing), "--limit", "1")) == 0
    assert not missing.exists()


def test_an_evaluation_waits_for_another_building_the_same_cached_index(tmp_path, capsys):
    """Two evaluations (or trainings) of one corpus at once: the second waits for the first's lock on the
    cached index instead of failing with IndexLockedError, then uses the index."""
    cache, articles = tmp_path / "cache", read_paths([ROOT / "corpus"]).articles
    folder = evaluation.cache_folder([ROOT / "corpus"], articles, cache, HASH)
    held, released = threading.Event(), []

    def other_writer():
        with write_lock(folder):
            held.set()
            time.sleep(1.0)
            released.append(time.monotonic())

    other = threading.Thread(target=other_writer)
    other.start()
    assert held.wait(10)
    index = evaluation.corpus_index([ROOT / "corpus"], cache, HASH, progress=False)
    returned = time.monotonic()
    other.join()
    assert released and returned >= released[0]  # it returned only after the other writer let go
    assert "waiting for another process building" in capsys.readouterr().err
    assert current_folder(folder) is not None and len(index.articles) == len(articles)


def test_command_errors_are_clear(tmp_path, capsys):
    bad = write_lines(tmp_path / "bad.jsonl", ["{oops"])
    assert cli.main(eval_args(bad, tmp_path)) == 2
    assert f"{bad}:1: not valid JSON" in capsys.readouterr().err
    good = write_lines(tmp_path / "good.jsonl", [QUESTIONS[0]])
    assert cli.main(["eval", str(good), "--model", "hash-64", "--index", str(tmp_path / "i")]) == 2
    assert "--model only applies with --corpus" in capsys.readouterr().err


def test_python_m_qa_eval_on_the_seed_questions(tmp_path):
    out, report = tmp_path / "seed.json", tmp_path / "seed.html"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "qa", *eval_args(SEED_QUESTIONS, tmp_path, "--json", str(out), "--report", str(report))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stderr
    assert "hit@1" in run.stdout and "questions right" in run.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == TOP_KEYS and data["n_questions"] == 12 and data["n_articles"] == 2
    assert data["citation_exact"] == 1.0
    assert data["abstain_recall"] is not None and data["answer_accuracy"] is not None
    none_ok = {"abstain_precision"}  # None when nothing was refused (hash-64 does not separate the questions)
    assert all(0 <= data[k] <= 1 for k in summary.METRICS if not k.endswith("_ms") and k not in none_ok)
    assert data["abstain_precision"] is None or 0 <= data["abstain_precision"] <= 1
    assert report.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_the_benchmarks_find_the_shared_data_where_qa_shared_says(tmp_path):
    root = Path(__file__).resolve().parent.parent
    code = "import bench.common as c; print(c.SHARED); print(c.RTQA)"
    env = {**os.environ, "QA_SHARED": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(tmp_path), str(tmp_path / "datasets" / "realtimeqa-dev")]
