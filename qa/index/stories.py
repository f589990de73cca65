"""Stories: the articles that tell the same news, grouped at ingest.

Two articles are linked into one story when

- they share quotations: both at most 3 days apart (or either date unknown), ≥ 8 shared 5-word
  shingles inside quotation marks (a quote of about 12 words), counting only shingles found in at
  most 10 articles (catch phrases are not evidence), making ≥ 5 % of the larger article's quoted
  shingles; or
- they are near copies: MinHash estimate of the Jaccard similarity of their 5-word shingles ≥ 0.5,
  whatever their dates (an updated page is the same page) as long as the headlines are mostly the
  same words; or
- they share passages: at most 3 days apart and ≥ 30 % of the shorter article's shingles in the
  other (estimated from MinHash).

The same text under headlines that share no word is page furniture (a cookie notice, a video
player), not the news, and links nothing. A round-up ("5 things to know for June 3", "… It's
Wednesday's news") quotes many stories and is part of none. An article joins the story of the
earlier article it is most strongly linked to; an article linked to two stories (other than as a
near copy) stays alone, and stories are never merged afterwards, so no chain of round-ups or
follow-ups can grow a giant cluster. Grouping is incremental: adding articles keeps every existing
assignment and reuses the stored fingerprints (fingerprints.jsonl).

Thresholds measured on realtimeqa-dev (1,855 pages of CNN, USA Today, The Week) and the seeds (which
share 199 quote shingles but only 18 % of their shingles, and have no dates): 89 stories of 2 to 7
articles, 28 of a random 30 fully right by hand; the misses were a round-up without a recognisable
headline and a page that carries another story's text.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from qa.records import Article, Story
from qa.text.dates import day_number
from qa.text.quotes import quote_spans
from qa.text.shingles import SHINGLE_WORDS, body_words, shingles

NUM_PERM = 128
LSH_BANDS = (64, 2)  # candidates: pairs with Jaccard 0.1 are found half the time, 0.3 always
MINHASH_SCHEME = "affine32"  # datasketch's hashing; stored fingerprints made otherwise are recomputed
COPY_JACCARD = 0.5
PASSAGE_CONTAINMENT = 0.3
QUOTE_SHINGLES = 8
QUOTE_SHARE = 0.05
COMMON_QUOTE = 10  # a quote shingle in more articles than this is a catch phrase
MAX_DAYS = 3
FINGERPRINT_CHARS = 200_000  # an article is recognised by its beginning (news articles are shorter than this)

_WORD = re.compile(r"\w+")


def rules() -> dict:
    """The grouping settings, kept in the index manifest: stored stories are reused only under the same."""
    return {
        "version": 1,
        "shingle_words": SHINGLE_WORDS,
        "num_perm": NUM_PERM,
        "scheme": MINHASH_SCHEME,
        "lsh_bands": list(LSH_BANDS),
        "copy_jaccard": COPY_JACCARD,
        "passage_containment": PASSAGE_CONTAINMENT,
        "quote_shingles": QUOTE_SHINGLES,
        "quote_share": QUOTE_SHARE,
        "common_quote": COMMON_QUOTE,
        "max_days": MAX_DAYS,
        "fingerprint_chars": FINGERPRINT_CHARS,
    }


@dataclass(frozen=True)
class Fingerprint:
    """What grouping needs of one article."""

    doc_id: str
    day: int | None  # date ordinal, None when unknown
    title_words: frozenset[str]
    digest: bool  # a round-up of several stories ("5 things to know for June 3")
    minhash: object  # datasketch LeanMinHash of the body's shingles
    n_shingles: int
    quotes: frozenset[int]  # hashes of the 5-word shingles inside quotation marks


def quote_shingles(text: str) -> frozenset[int]:
    out: set[int] = set()
    for s, e in quote_spans(text):
        out.update(zlib.crc32(sh.encode()) for sh in shingles(_WORD.findall(text[s:e].lower())))
    return frozenset(out)


def fingerprints(articles: Iterable[Article]) -> list[Fingerprint]:
    from datasketch import LeanMinHash, MinHash

    articles = list(articles)
    sets = [shingles(body_words(a.text[:FINGERPRINT_CHARS])) for a in articles]
    hashes = MinHash.bulk(
        [[s.encode() for s in ss] for ss in sets], num_perm=NUM_PERM, hashfunc=zlib.crc32, scheme=MINHASH_SCHEME
    )
    return [
        Fingerprint(
            a.doc_id,
            day_number(a.published),
            title_words(a.title),
            is_digest(a.title),
            LeanMinHash(m),
            len(ss),
            quote_shingles(a.text[:FINGERPRINT_CHARS]),
        )
        for a, ss, m in zip(articles, sets, hashes, strict=True)
    ]


def fingerprint_row(fp: Fingerprint) -> dict:
    """A fingerprint as a JSON object (for fingerprints.jsonl in the index)."""
    return {
        "doc_id": fp.doc_id,
        "day": fp.day,
        "title_words": sorted(fp.title_words),
        "digest": fp.digest,
        "minhash": [int(h) for h in fp.minhash.hashvalues],
        "n_shingles": fp.n_shingles,
        "quotes": sorted(fp.quotes),
    }


def fingerprint_from_row(row: dict) -> Fingerprint:
    from datasketch import LeanMinHash

    return Fingerprint(
        row["doc_id"],
        row["day"],
        frozenset(row["title_words"]),
        row["digest"],
        LeanMinHash(seed=1, hashvalues=row["minhash"], scheme=MINHASH_SCHEME),
        row["n_shingles"],
        frozenset(row["quotes"]),
    )


def title_words(title: str) -> frozenset[str]:
    """Content words of a headline (words of four letters or more, outlet names left out)."""
    return frozenset(w for w in _WORD.findall(title.lower()) if len(w) >= 4 and w not in _TITLE_STOP)


def is_digest(title: str) -> bool:
    """A headline of a round-up: it quotes several stories, so shared quotations do not make it one of them."""
    return bool(_DIGEST.search(title))


_DIGEST = re.compile(
    r"\b(?:\d+|five|ten) things (?:to know|you need)|\brecap\b|news from (?:around\b|\.\.\.|…)|"
    r"it'?s \w+day'?s news|\.\s+it'?s\b|quiz of the week|photos this week|week in (?:review|pictures)|"
    r"\b(?:morning|evening|daily) (?:briefing|digest)|\bnewsletter\b",
    re.IGNORECASE,
)
_TITLE_STOP = frozenset(
    """this that what when where with from will have after over about into than they their
your here there news week says said live updates today know things photos video opinion analysis politics
business""".split()
)


@dataclass(frozen=True)
class Link:
    strength: float  # for choosing among several linked stories; near copies above all others
    why: str  # in words, kept in stories.jsonl

    @property
    def copy(self) -> bool:
        return self.strength > 1.0


def link(x: Fingerprint, y: Fingerprint, shared_quotes: int) -> Link | None:
    """Why `x` and `y` tell the same story, or None."""
    close = x.day is None or y.day is None or abs(x.day - y.day) <= MAX_DAYS
    rewrite = close and not (x.digest or y.digest)
    larger = max(len(x.quotes), len(y.quotes))
    if rewrite and shared_quotes >= QUOTE_SHINGLES and shared_quotes >= QUOTE_SHARE * larger:
        return Link(shared_quotes / larger, f"shares quotations ({shared_quotes} quoted 5-word runs)")
    if not _same_headline(x.title_words, y.title_words, close):
        return None  # the same text under other headlines is page furniture, not the news
    j = x.minhash.jaccard(y.minhash) if x.n_shingles and y.n_shingles else 0.0
    if j >= COPY_JACCARD:
        return Link(1.0 + j, f"near copy (Jaccard {j:.2f})")  # j > 0 here, so copy is True
    smaller = min(x.n_shingles, y.n_shingles)
    common = j * (x.n_shingles + y.n_shingles) / (1 + j)
    if rewrite and smaller and common / smaller >= PASSAGE_CONTAINMENT:
        return Link(common / smaller, f"shares passages ({common / smaller:.0%} of the shorter one)")
    return None


def _same_headline(a: frozenset[str], b: frozenset[str], close: bool) -> bool:
    """Headlines that could be of one story: any shared word when close in time (or a headline unknown),
    else mostly the same words (an updated page)."""
    if not a or not b:
        return close
    return len(a & b) >= (1 if close else 0.5 * len(a | b))


class StoryGrouper:
    """Stories built one article at a time; existing assignments never change."""

    def __init__(self):
        from datasketch import MinHashLSH

        self.lsh = MinHashLSH(num_perm=NUM_PERM, params=LSH_BANDS)
        self.prints: dict[str, Fingerprint] = {}
        self.postings: dict[int, list[str]] = {}
        self.story_of: dict[str, str] = {}
        self.members: dict[str, list[str]] = {}
        self.why: dict[str, str] = {}  # doc_id -> how it joined its story

    def place(self, fp: Fingerprint, story: str, why: str = "") -> None:
        """Put an article in a story without looking for links (an assignment kept from before)."""
        self.prints[fp.doc_id] = fp
        self.lsh.insert(fp.doc_id, fp.minhash)
        for h in fp.quotes:
            self.postings.setdefault(h, []).append(fp.doc_id)
        self.story_of[fp.doc_id] = story
        self.members.setdefault(story, []).append(fp.doc_id)
        if why:
            self.why[fp.doc_id] = why

    def add(self, fp: Fingerprint) -> str:
        """Place an article in the story it is linked to, else in a new story; its story id. An article
        linked to several stories (other than as a near copy) bridges them and stays alone."""
        links: dict[str, tuple[Link, str]] = {}  # story -> (strongest link into it, the article linked to)
        for other, shared in self._candidates(fp).items():
            found = link(fp, self.prints[other], shared)
            story = self.story_of[other]
            if found and (story not in links or found.strength > links[story][0].strength):
                links[story] = (found, other)
        best = max(links.values(), key=lambda x: x[0].strength, default=None)
        if best is None or (len(links) > 1 and not best[0].copy):
            story = self._new_story(fp.doc_id)
            self.place(fp, story)
        else:
            story = self.story_of[best[1]]
            self.place(fp, story, f"{best[0].why} with {best[1]}")
        return story

    def _new_story(self, doc_id: str) -> str:
        story, k = f"story-{doc_id}", 1
        while story in self.members:  # the article led a story before it changed
            k += 1
            story = f"story-{doc_id}-{k}"
        return story

    def _candidates(self, fp: Fingerprint) -> dict[str, int]:
        """Earlier articles worth comparing, with the number of rare quote shingles shared."""
        shared: dict[str, int] = {d: 0 for d in self.lsh.query(fp.minhash)}
        for h in fp.quotes:
            docs = self.postings.get(h, ())
            if len(docs) < COMMON_QUOTE:
                for d in docs:
                    shared[d] = shared.get(d, 0) + 1
        shared.pop(fp.doc_id, None)
        return shared

    def stories(self, articles: Mapping[str, Article]) -> tuple[Story, ...]:
        out = []
        for sid, docs in self.members.items():
            docs = [d for d in docs if d in articles]
            if docs:
                out.append(Story(sid, tuple(docs), tuple(self.why.get(d, "") for d in docs)))
        return tuple(sorted(out, key=lambda s: s.story_id))


@dataclass(frozen=True)
class Grouping:
    """The stories of a corpus and the fingerprints they were grouped by (kept for the next ingest)."""

    stories: tuple[Story, ...]
    prints: dict[str, Fingerprint]

    def keep(self, doc_ids: Iterable[str]) -> Grouping:
        """Only these articles (the ones unchanged since), in the stories they were in."""
        keep = set(doc_ids)
        stories = []
        for s in self.stories:
            pairs = [(d, w) for d, w in zip(s.doc_ids, s.why, strict=True) if d in keep]
            if pairs:
                stories.append(Story(s.story_id, tuple(d for d, _ in pairs), tuple(w for _, w in pairs)))
        return Grouping(tuple(stories), {d: fp for d, fp in self.prints.items() if d in keep})


def group_stories(articles: Iterable[Article], previous: Grouping | None = None) -> Grouping:
    """Every article in exactly one story. Articles of `previous` stay in their stories with their stored
    fingerprints (pass only the unchanged ones, see `Grouping.keep`); the others are fingerprinted and
    join a story in date order (unknown dates last)."""
    articles = {a.doc_id: a for a in articles}
    previous = previous or Grouping((), {})
    kept = {
        d: (s.story_id, why)
        for s in previous.stories
        for d, why in zip(s.doc_ids, s.why, strict=True)
        if d in articles and d in previous.prints
    }
    new = sorted(
        (a for d, a in articles.items() if d not in kept),
        key=lambda a: (day_number(a.published) is None, a.published, a.doc_id),
    )
    grouper = StoryGrouper()
    for d, (story, why) in kept.items():
        grouper.place(previous.prints[d], story, why)
    for fp in fingerprints(new):
        grouper.add(fp)
    return Grouping(grouper.stories(articles), {d: grouper.prints[d] for d in articles})
