"""The store's commit protocol and part writer: visible whole or not at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socpilot.ingest.quarantine import Quarantined
from socpilot.model.event import event_id
from socpilot.store.store import Finished, Store, StoreBusy
from socpilot.store.writer import PartWriter, to_table


def _event(i: int, **extra: object) -> dict:
    raw = f'{{"n": {i}}}'
    return {"id": event_id("windows", raw), "time": datetime(2024, 1, 1, 23, 59, tzinfo=UTC) + timedelta(minutes=i),
            "source": "windows", "raw": raw, "offset": i, "fields": {"n": str(i)}, **extra}


def _stage(store: Store, key: str, events: list[dict]) -> Finished:
    writer = PartWriter(store.staging_for(key), key[:16])
    for event in events:
        writer.add(event)
    return Finished(key, f"{key}.json", "windows", len(events), writer.close(), [])


def test_parts_split_by_day_and_become_visible_only_when_committed(tmp_path: Path) -> None:
    store = Store(tmp_path)
    finished = _stage(store, "a" * 64, [_event(i) for i in range(3)])  # 23:59, 00:00, 00:01
    assert sorted(p.day for p in finished.parts) == ["2024-01-01", "2024-01-02"]
    assert store.connect().execute("SELECT count(*) FROM events").fetchone() == (0,)
    store.commit_many([finished])
    con = store.connect()
    assert con.execute('SELECT count(*), min("offset"), max("offset") FROM events').fetchone() == (3, 0, 2)
    assert con.execute("SELECT fields['n'] FROM events WHERE \"offset\" = 2").fetchone() == ("2",)


def test_recover_drops_staged_and_unlisted_parts_but_keeps_committed_ones(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.commit_many([_stage(store, "a" * 64, [_event(1)])])
    _stage(store, "b" * 64, [_event(2)])  # staged, never committed: a killed run
    stray = store.events_dir / "source=windows" / "day=2024-01-02" / "stray.parquet"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"half a part")  # moved into place, catalog transaction never ran
    assert store.recover() == 2
    assert not stray.exists() and not list(store.staging_dir.glob("*.parquet"))
    assert store.connect().execute("SELECT count(*) FROM events").fetchone() == (1,)
    assert store.ingested_keys() == {"a" * 64}


def test_one_transaction_lists_a_batch_of_inputs_with_their_quarantine(tmp_path: Path) -> None:
    store = Store(tmp_path)
    batch = [_stage(store, c * 64, [_event(i) for i in range(n)]) for c, n in (("c", 2), ("d", 5))]
    bad = Finished("e" * 64, "bad.json", "windows", 0, [], [Quarantined.of(7, "line 7: invalid JSON", b"{x")])
    store.commit_many([*batch, bad])
    assert store.ingested_keys() == {"c" * 64, "d" * 64, "e" * 64}
    con = store.connect()
    assert con.execute("SELECT count(*) FROM events").fetchone() == (7,)
    assert con.execute('SELECT file, "offset", reason, head FROM catalog.quarantine').fetchall() == [
        ("bad.json", 7, "line 7: invalid JSON", b"{x")]


def test_table_building_coerces_bad_values_and_ignores_unknown_keys() -> None:
    rows = [_event(1, process_pid="0x10"), _event(2, process_pid=12, not_a_column="x", dns_answers="1.2.3.4")]
    table = to_table(rows)
    assert table.column("process_pid").to_pylist() == [None, 12]
    assert table.column("dns_answers").to_pylist() == [None, ["1.2.3.4"]]
    assert "not_a_column" not in table.column_names
    assert table.column("fields").to_pylist() == [[("n", "1")], [("n", "2")]]


def test_a_second_ingest_is_refused_while_one_holds_the_store(tmp_path: Path) -> None:
    store = Store(tmp_path)
    staged = _stage(store, "a" * 64, [_event(1)])
    with store.exclusive():
        other = Store(tmp_path)  # as another process would open it
        with pytest.raises(StoreBusy, match="another socpilot ingest"):
            with other.exclusive():
                pass
        assert (store.staging_dir / staged.parts[0].staged).exists()  # nothing of ours was swept away
    with Store(tmp_path).exclusive():  # released on exit
        pass
