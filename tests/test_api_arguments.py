"""Wrong types through the Python API (issue 14, item 9) raise QAError naming the argument, never an
AttributeError or TypeError from deep inside; right types of every accepted form still work."""

from pathlib import Path

import pytest

from qa.api import ask, build_index, ingest
from qa.errors import QAError
from qa.index.loaded import load_index

ROOT = Path(__file__).resolve().parent.parent
CLUB = "Who described the 'Club of Other'?"

ASK = {
    "question": ({"question": 5}, "the question must be text"),
    "question bytes": ({"question": b"who?"}, "the question must be text"),
    "index": ({"index": 5}, "index must be an Index"),
    "settings": ({"settings": {"model": "hash-64"}}, "settings must be a qa.Settings"),
    "as_of": ({"as_of": 5}, "as_of 5 is not a date"),
    "since": ({"since": 5}, "since 5 is not a date"),
    "until": ({"until": ["2022-06-01"]}, r"until \['2022-06-01'\] is not a date"),
    "sources": ({"sources": 5}, "sources must be a list of outlet names"),
    "sources item": ({"sources": ["cnn", 5]}, r"sources\[1\] must be an outlet name"),
    "previous": ({"previous": "the last answer"}, "previous must be the Answer"),
}


@pytest.mark.parametrize("case", ASK, ids=list(ASK))
def test_ask_with_a_wrong_type_names_the_argument(seed_index, case):
    kwargs, says = ASK[case]
    kwargs = {"question": CLUB, "index": seed_index, **kwargs}
    with pytest.raises(QAError, match=says):
        ask(kwargs.pop("question"), **kwargs)


def test_ask_still_takes_every_right_form(seed_index):
    loaded = load_index(seed_index)
    first = ask(CLUB, loaded, since=None, sources=None)
    assert ask(CLUB, str(seed_index)).answer == first.answer == ask(CLUB, seed_index, sources=()).answer
    assert ask("What does he say the UAE provides?", loaded, previous=first, sources="foxnews").resolved_question


BUILD = {
    "paths": ({"paths": 5}, "paths must be a list of files or folders"),
    "paths item": ({"paths": [ROOT / "corpus", None]}, r"paths\[1\] must be a file or folder path"),
    "index_dir": ({"index_dir": 5}, "index_dir must be an index folder path"),
    "settings": ({"settings": "hash-64"}, "settings must be a qa.Settings"),
    "embedder": ({"embedder": "hash"}, "embedder must have embed"),
    "progress": ({"progress": "no"}, "progress must be True or False"),
    "rebuild": ({"rebuild": 1}, "rebuild must be True or False"),
}


@pytest.mark.parametrize("function", [ingest, build_index], ids=["ingest", "build_index"])
@pytest.mark.parametrize("case", BUILD, ids=list(BUILD))
def test_ingest_and_build_index_with_a_wrong_type_name_the_argument(tmp_path, function, case, hash_settings):
    kwargs, says = BUILD[case]
    kwargs = {
        "paths": [ROOT / "corpus"],
        "index_dir": tmp_path / "ix",
        "settings": hash_settings,
        "progress": False,
        **kwargs,
    }
    with pytest.raises(QAError, match=says):
        function(kwargs.pop("paths"), **kwargs)
    assert not (tmp_path / "ix").exists()


def test_one_path_alone_is_taken_as_a_list_of_one(tmp_path, hash_settings):
    assert ingest(ROOT / "corpus", tmp_path / "ix", hash_settings, progress=False).n_articles == 2
    assert build_index(str(ROOT / "corpus"), tmp_path / "ix", progress=False).n_articles == 2
