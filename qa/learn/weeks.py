"""Small corpora for training: one week of a fold's questions with only the pages found for them
(`search_ids` in realtimeqa-train), as a user's folder of a hundred articles would be. On a small corpus
counts, ranks and coverage behave as on the bundled articles, not as on a year of news; the week's own
questions are asked of it, and questions of other years, which it does not answer."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

from qa.evaluate.questions import EvalQuestion
from qa.ingest.readers import read_paths

WEEKS_PER_FOLD = 8


def search_pages(questions_file: Path) -> dict[tuple[str, str], tuple[str, ...]]:
    """(id, question) → the ids of the pages found for it, from the question set's `search_ids`."""
    out = {}
    for line in Path(questions_file).read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            out[(rec["id"], rec["question"])] = tuple(rec.get("search_ids") or ())
    return out


def week_of(q: EvalQuestion) -> str:
    """The quiz week a question belongs to: the date part of its id ("20230331_0" → "20230331")."""
    return re.split(r"[_@]", q.id)[0]


def choose_weeks(questions: list[EvalQuestion], pages, n: int) -> dict[str, list[EvalQuestion]]:
    """n weeks spread over the fold (those whose questions have pages), with their questions."""
    weeks: dict[str, list[EvalQuestion]] = defaultdict(list)
    for q in questions:
        if pages.get((q.id.split("@")[0], q.question)):
            weeks[week_of(q)].append(q)
    names = sorted(weeks)
    if len(names) > n:
        names = [names[int(i * len(names) / n)] for i in range(n)]
    return {w: weeks[w] for w in names}


def write_week_corpora(corpus: Path, pages: dict[str, set[str]], folder: Path) -> dict[str, Path]:
    """For each week, the articles of `corpus` named in its page ids, as JSON Lines in `folder` (written
    once; the corpus is read only when a week's file is missing)."""
    paths = {w: Path(folder) / f"week-{w}.jsonl" for w in pages}
    missing = [w for w, p in paths.items() if not p.exists()]
    if missing:
        articles = read_paths([corpus]).articles
        Path(folder).mkdir(parents=True, exist_ok=True)
        for w in missing:
            tmp = paths[w].with_suffix(".tmp")
            with tmp.open("w", encoding="utf-8") as f:
                for a in articles:
                    if a.doc_id in pages[w]:
                        rec = {"id": a.doc_id, "title": a.title, "url": a.url, "published": a.published, "text": a.text}
                        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            tmp.replace(paths[w])
    return paths
