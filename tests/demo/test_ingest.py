"""The demo goes through the real readers: nothing quarantined, every ground-truth id in the store."""

from __future__ import annotations

from socpilot.demo import DemoManifest


def test_every_format_reads_back_through_the_real_readers_with_nothing_quarantined(small_demo: DemoManifest,
                                                                                  ingested):
    _, report = ingested
    assert report.quarantined == 0
    assert not [r.display for r in report.results if r.skipped]
    per_source = report.per_source()
    assert {s: row["records"] for s, row in per_source.items()} == small_demo.counts


def test_ground_truth_ids_all_exist_in_the_store(ingested, truth: list[dict]):
    ws, _ = ingested
    ids = [t["id"] for t in truth]
    con = ws.connect()
    rows = con.execute("SELECT id, source FROM events WHERE id IN (SELECT unnest(?))", [ids]).fetchall()
    assert len(rows) == len(ids)
    assert dict(rows) == {t["id"]: t["source"] for t in truth}


def test_attack_events_normalise_to_the_entities_the_story_names(small_demo: DemoManifest, ingested,
                                                                 truth: list[dict]):
    ws, _ = ingested
    facts = small_demo.facts
    by_technique = {t["technique"]: t["id"] for t in truth}
    con = ws.connect()

    def row(technique: str, columns: str) -> tuple:
        return con.execute(f"SELECT {columns} FROM events WHERE id = ?", [by_technique[technique]]).fetchone()

    assert row("T1059.001", "process_name, parent_name, user_name") == ("powershell.exe", "WINWORD.EXE", facts["victim"])
    assert row("T1550.002", "logon_type, user_name, src_ip") == (3, facts["admin_account"], facts["victim_ip"])
    assert row("T1098.001", "cloud_action, src_ip") == ("CreateAccessKey", facts["attacker_ip"])
    country, = con.execute("SELECT src_country FROM events WHERE source = 'okta' AND src_ip = ?",
                           [facts["attacker_ip"]]).fetchone()
    assert country == "Netherlands"


def test_background_never_talks_to_the_attackers_infrastructure(small_demo: DemoManifest, ingested,
                                                                truth: list[dict]):
    ws, _ = ingested
    facts = small_demo.facts
    attack_ids = [t["id"] for t in truth]
    con = ws.connect()
    stray = con.execute(
        "SELECT count(*) FROM events WHERE (dst_ip = ? OR src_ip = ? OR dns_query = ? OR tls_sni = ?) "
        "AND id NOT IN (SELECT unnest(?))",
        [facts["c2_ip"], facts["attacker_ip"], facts["c2_domain"], facts["c2_domain"], attack_ids]).fetchone()
    assert stray == (0,)
    # Nor does any benign command line look like the attacker's tradecraft.
    noisy = con.execute(
        "SELECT count(*) FROM events WHERE source = 'windows' AND id NOT IN (SELECT unnest(?)) AND "
        "(process_cmd ILIKE '%-enc %' OR process_cmd ILIKE '%comsvcs%' OR process_name IN ('whoami.exe', 'nltest.exe'))",
        [attack_ids]).fetchone()
    assert noisy == (0,)
