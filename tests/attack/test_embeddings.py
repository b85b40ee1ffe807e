"""The optional embedding model: off unless installed, vectors cached, nearest techniques and examples as evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from socpilot.attack import embeddings, mapper

np = pytest.importorskip("numpy")


class _WordModel:
    """A stand-in sentence encoder: one dimension per listed word, counts normalised."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self.calls = 0

    def encode(self, texts: list[str], normalize_embeddings: bool = True, **_: object):  # noqa: ANN201
        self.calls += 1
        rows = np.array([[t.lower().count(w) for w in self.words] for t in texts], dtype=np.float32) + 1e-3
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_the_model_is_off_when_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCPILOT_EMBEDDINGS", "off")
    assert embeddings.available() is False


def test_the_cache_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOCPILOT_CACHE", str(tmp_path / "c"))
    assert embeddings.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("SOCPILOT_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert embeddings.cache_dir() == tmp_path / "x" / "socpilot"


def test_vectors_are_computed_once_and_read_back_from_the_cache(tmp_path: Path) -> None:
    model = _WordModel(["lsass", "dump", "powershell"])
    first = embeddings._vectors(model, ["lsass dump", "powershell"], tmp_path)
    again = embeddings._vectors(model, ["lsass dump", "powershell"], tmp_path)
    assert model.calls == 1 and np.array_equal(first, again)
    assert [p.name.startswith("minilm-") for p in tmp_path.iterdir()] == [True]
    embeddings._vectors(model, ["lsass dump", "powershell -enc"], tmp_path)  # other texts, other file
    assert model.calls == 2 and len(list(tmp_path.iterdir())) == 2


def test_nearest_examples_leave_out_the_excluded_positions() -> None:
    model = _WordModel(["lsass", "dump", "powershell"])
    vectors = model.encode(["lsass dump", "lsass", "powershell"])
    index = embeddings.DenseIndex(model, vectors, vectors)
    query = index.encode("dump the lsass memory")
    assert [n for n, _ in index.nearest_examples(query, 2)] == [0, 1]
    assert [n for n, _ in index.nearest_examples(query, 2, exclude=[0])] == [1, 2]
    assert index.nearest_techniques(query, 1)[0][0] == 0


def test_mapper_adds_techniques_and_examples_nearest_in_meaning(monkeypatch: pytest.MonkeyPatch) -> None:
    idx = mapper.index()
    bank = mapper.example_bank()
    model = _WordModel(["hibernat", "sleep", "wake"])  # a vocabulary no cue or ATT&CK name uses
    techniques = model.encode([f"{t.name}. {t.description}" for t in idx.techniques])
    examples = model.encode([f"{e.name} {e.description}" for e in bank.examples])
    monkeypatch.setattr(mapper, "dense_index", lambda: embeddings.DenseIndex(model, techniques, examples))
    text = "the implant put the host to sleep and arranged to wake it later (hibernation)"
    with_meaning = mapper.map_text(text, top=10)
    assert any(r.startswith("meaning: cosine") for m in with_meaning for r in m.evidence)
    assert any(r.startswith("example by meaning: '") for m in with_meaning for r in m.evidence)
    without = mapper.map_text(text, top=10, dense=False)
    assert all(not r.startswith(("meaning:", "example by meaning:")) for m in without for r in m.evidence)


def test_the_packaged_model_maps_a_paraphrase_without_shared_words(tmp_path: Path) -> None:
    pytest.importorskip(embeddings.MODEL_PACKAGE)
    idx = mapper.index()
    texts = [f"{t.name}. {t.description}" for t in idx.techniques]
    index = embeddings.build(texts, ["placeholder example"], folder=tmp_path)
    nearest = index.nearest_techniques(index.encode("they wiped the machine's audit trail so nobody could "
                                                    "see what happened"), 5)
    assert "T1070" in {idx.techniques[n].parent_id for n, _ in nearest}
