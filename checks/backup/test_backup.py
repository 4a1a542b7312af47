"""The backup Job's scripts against a real MariaDB and a real S3 server (moto), or a directory
standing for the backups PVC: backup, verify, tamper, restore, scrub, delete.

Each test runs helm/store/files/backup/run.sh step by step as the Job's pod does (see
wpstore.run_job). What cannot run here: WP-CLI (`wp search-replace`, `wp wc update`) needs
WordPress core and WooCommerce; the tests set URUMI_BACKUP_TEST_SKIP_WP and check everything
up to them (and, with a recording stand-in for `wp`, the calls the script would make).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def backup(store, backup_id="bk-01hx7k3m9q"):
    job = store.job("backup", backup_id)
    assert job.ok, f"backup failed in {job.step}: {job.message}\n{job.logs}"
    return job.result


def test_backup_writes_the_manifest_and_exactly_its_three_objects(store):
    manifest = backup(store)

    assert manifest["format"] == 1
    assert manifest["backup"] == "bk-01hx7k3m9q"
    assert manifest["store"] == store.store_id
    assert RFC3339.match(manifest["createdAt"]), manifest["createdAt"]
    assert (manifest["wordpressVersion"], manifest["woocommerceVersion"],
            manifest["chartRevision"]) == ("7.1.0", "11.1.2", "7")
    # What the database itself says.
    assert manifest["database"] == {"woocommerceVersion": "11.1.2", "wordpressDbVersion": "58975"}
    if store.target == "s3":
        assert manifest["target"] == f"s3://{store.bucket}/urumi/{store.store_id}/bk-01hx7k3m9q/"
    else:
        assert manifest["target"] == f"pvc://store-7f3c9a1e-backups/{store.store_id}/bk-01hx7k3m9q/"

    objects = store.objects()
    folder = store.folder("bk-01hx7k3m9q")
    assert sorted(objects) == [folder + name for name in
                               ("database.sql.gz", "manifest.json", "wp-content.tar.gz")]
    # The stored manifest is the termination message; every file matches it.
    assert json.loads(objects[folder + "manifest.json"]) == manifest
    assert [f["name"] for f in manifest["files"]] == ["database.sql.gz", "wp-content.tar.gz"]
    for entry in manifest["files"]:
        body = objects[folder + entry["name"]]
        assert len(body) == entry["bytes"]
        assert hashlib.sha256(body).hexdigest() == entry["sha256"]
    assert manifest["totalBytes"] == sum(f["bytes"] for f in manifest["files"])
    assert len(json.dumps(manifest)) < 4096

    # The files are what they say: a complete dump, and wp-content (lost+found aside).
    dump = gzip.decompress(objects[folder + "database.sql.gz"]).decode()
    assert "CREATE TABLE `wp_wc_orders`" in dump and dump.rstrip().splitlines()[-1].startswith(
        "-- Dump completed")
    assert "CREATE DATABASE" not in dump  # restorable into another database name
    with tarfile.open(fileobj=io.BytesIO(objects[folder + "wp-content.tar.gz"])) as archive:
        names = set(archive.getnames())
    assert "./uploads/2026/11/photo-0.jpg" in names and "./upgrade" in names


def test_a_backup_id_is_a_folder_of_its_own_and_another_backup_leaves_it_alone(store):
    first = backup(store, "bk-1")
    second = backup(store, "bk-10")
    assert first["target"] != second["target"]
    objects = store.objects()
    assert len(objects) == 6
    assert json.loads(objects[store.folder("bk-1") + "manifest.json"]) == first


def test_restore_brings_back_the_same_tables_and_files(store):
    checksums = store.table_checksums()
    schema = store.schema_objects()
    files = store.wp_content_hashes = __import__("wpstore").tree_hashes(store.wp_content)
    backup(store)

    # Lose everything, and add what did not exist at backup time (it must not survive).
    store.db.root_sql(f"DROP DATABASE {store.name}; CREATE DATABASE {store.name};")
    store.db.user_sql("CREATE TABLE wp_newer_plugin (id int PRIMARY KEY) ENGINE=InnoDB;", store.name)
    for child in store.wp_content.iterdir():
        shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    (store.wp_content / "uploads").mkdir()
    (store.wp_content / "uploads" / "after-backup.jpg").write_bytes(b"x" * 10)

    job = store.job("restore", "bk-01hx7k3m9q")
    assert job.ok, f"restore failed in {job.step}: {job.message}\n{job.logs}"
    assert job.result == {"restored": "bk-01hx7k3m9q", "scrubbed": False, "rewritten": False}
    assert store.table_checksums() == checksums
    assert store.schema_objects() == schema
    assert __import__("wpstore").tree_hashes(store.wp_content) == files
    # The core step copied WordPress core (without wp-content) and wp-config.php for WP-CLI.
    docroot = Path(store.env["WP_PATH"])
    assert (docroot / "wp-includes" / "version.php").is_file()
    assert (docroot / "wp-config.php").is_file() and not (docroot / "wp-content").exists()


def test_restore_into_another_store_reads_the_source_stores_folder(store):
    """A clone: the Job runs in the new store's namespace with URUMI_BACKUP_STORE = source."""
    checksums = store.table_checksums()
    backup(store, "bk-clone-source")
    store.db.root_sql(f"DROP DATABASE {store.name}; CREATE DATABASE {store.name};")
    job = store.job("restore", "bk-clone-source", store=store.store_id)
    assert job.ok, job.message
    assert store.table_checksums() == checksums
    # Naming another store finds nothing and says so.
    job = store.job("restore", "bk-clone-source", store="some-other-store")
    assert not job.ok and job.step == "fetch"
    assert "has no manifest" in job.message


@pytest.mark.parametrize("victim", ["wp-content.tar.gz", "database.sql.gz"])
def test_restore_refuses_a_tampered_file_before_touching_anything(store, victim):
    backup(store)
    key = store.folder("bk-01hx7k3m9q") + victim
    body = bytearray(store.objects()[key])
    body[len(body) // 2] ^= 0x01  # one bit
    store.put_object(key, bytes(body))
    # A change made after the backup: a refused restore must leave it in place.
    store.db.user_sql("INSERT INTO wp_options (option_name, option_value) VALUES "
                      "('after_backup', 'still here');", store.name)
    (store.wp_content / "after-backup.txt").write_text("still here")
    checksums = store.table_checksums()
    files = __import__("wpstore").tree_hashes(store.wp_content)

    job = store.job("restore", "bk-01hx7k3m9q")
    assert not job.ok
    assert job.step == "fetch" and job.status == 3  # the Job fails at once, no retry
    assert job.message.startswith(f"restore/fetch: checksum mismatch for {victim}")
    assert "Nothing was restored" in job.message and "\n" not in job.message
    assert store.table_checksums() == checksums
    assert __import__("wpstore").tree_hashes(store.wp_content) == files


def test_restore_refuses_a_manifest_of_another_backup(s3_store):
    store = s3_store
    backup(store, "bk-a")
    backup(store, "bk-b")
    store.put_object(store.folder("bk-b") + "manifest.json",
                     store.objects()[store.folder("bk-a") + "manifest.json"])
    job = store.job("restore", "bk-b")
    assert not job.ok and job.step == "fetch"
    assert "is not backup bk-b" in job.message


def test_restore_with_the_recorded_manifest_refuses_a_consistently_replaced_backup(s3_store):
    """Someone who rewrites the files and the manifest to match is caught only by the
    manifest Urumi recorded at backup time (URUMI_BACKUP_MANIFEST, optional)."""
    store = s3_store
    recorded = backup(store, "bk-a")
    job = store.job("restore", "bk-a", URUMI_BACKUP_MANIFEST=json.dumps(recorded, separators=(",", ":")))
    assert job.ok, job.message
    # Replace bk-a's objects by another backup's, renamed consistently.
    (store.wp_content / "uploads" / "planted.php").write_text("<?php evil();")
    other = backup(store, "bk-b")
    objects = store.objects()
    for name in ("database.sql.gz", "wp-content.tar.gz"):
        store.put_object(store.folder("bk-a") + name, objects[store.folder("bk-b") + name])
    forged = json.dumps(dict(other, backup="bk-a", target=recorded["target"]), separators=(",", ":"))
    store.put_object(store.folder("bk-a") + "manifest.json", forged.encode() + b"\n")
    assert store.job("restore", "bk-a").ok  # without the recorded manifest: consistent, accepted
    job = store.job("restore", "bk-a", URUMI_BACKUP_MANIFEST=json.dumps(recorded, separators=(",", ":")))
    assert not job.ok and job.step == "fetch" and job.status == 3
    assert "is not the one recorded for backup bk-a" in job.message


def test_the_import_step_refuses_files_nobody_verified(s3_store):
    """Even run on its own (say, a changed pod template), import checks the fetch's mark."""
    store = s3_store
    backup(store)
    workdir = store.tmp / "lone-import"
    workdir.mkdir()
    (workdir / "scratch" / "files").mkdir(parents=True)
    shutil.copy(store.tmp / "job-1-backup" / "scratch" / "files" / "database.sql.gz",
                workdir / "scratch" / "files")
    result = subprocess.run(
        ["bash", str(Path(store.env["BACKUP_SCRIPTS"]) / "run.sh"), "import"],
        env=dict(store.env, URUMI_BACKUP_MODE="restore", URUMI_BACKUP_ID="bk-01hx7k3m9q",
                 URUMI_BACKUP_STORE=store.store_id, BACKUP_SCRATCH=str(workdir / "scratch"),
                 BACKUP_TERMINATION_LOG=str(workdir / "term")),
        capture_output=True, text=True)
    assert result.returncode == 3
    assert "not verified" in (workdir / "term").read_text()


def test_scrub_removes_every_customer_but_not_the_admin_or_the_orders(store):
    db = store.db
    totals = db.query(store.name, "SELECT COUNT(*), SUM(total_amount) FROM wp_wc_orders")
    legacy = db.query(store.name, "SELECT COUNT(*), SUM(meta_value) FROM wp_postmeta "
                                  "WHERE meta_key = '_order_total'")
    admin = db.query(store.name, "SELECT * FROM wp_users WHERE ID = 1")
    admin_meta = db.query(store.name, "SELECT * FROM wp_usermeta WHERE user_id = 1 ORDER BY umeta_id")
    before = db.dump(store.name)
    secrets = [s for c in store.data.customers for s in c.secrets()]
    assert all(s in before for s in secrets)  # the check below can see them

    backup(store)
    job = store.job("restore", "bk-01hx7k3m9q", URUMI_SCRUB="true")
    assert job.ok, f"{job.step}: {job.message}\n{job.logs}"
    assert job.result == {"restored": "bk-01hx7k3m9q", "scrubbed": True, "rewritten": False}

    after = db.dump(store.name)
    left = sorted({s for s in secrets if s.lower() in after.lower()})
    assert not left, f"customer data left after the scrub: {left}"
    assert "customer-mail.test" not in after
    assert store.data.admin_email in after and "Olivia" in after and "Ownerton" in after
    assert db.query(store.name, "SELECT * FROM wp_users WHERE ID = 1") == admin
    assert db.query(store.name, "SELECT * FROM wp_usermeta WHERE user_id = 1 ORDER BY umeta_id") == admin_meta
    # Orders are all there, with their totals; customers still exist, under stand-in names.
    assert db.query(store.name, "SELECT COUNT(*), SUM(total_amount) FROM wp_wc_orders") == totals
    assert db.query(store.name, "SELECT COUNT(*), SUM(meta_value) FROM wp_postmeta "
                                "WHERE meta_key = '_order_total'") == legacy
    assert db.query(store.name, "SELECT COUNT(*) FROM wp_users")[0][0] == str(
        1 + sum(1 for c in store.data.customers if c.user_id))
    assert db.query(store.name, "SELECT user_email FROM wp_users WHERE ID = 2") == [
        ["customer-2@scrubbed.invalid"]]
    assert db.query(store.name, "SELECT COUNT(*) FROM wp_woocommerce_sessions") == [["0"]]
    # The backup itself is untouched: a plain restore brings the customers back.
    job = store.job("restore", "bk-01hx7k3m9q")
    assert job.ok and job.result["scrubbed"] is False
    assert store.data.customers[0].email in db.dump(store.name)


def test_scrub_skips_tables_a_store_does_not_have(s3_store):
    store = s3_store
    store.db.user_sql("DROP TABLE wp_wc_order_addresses; DROP TABLE wp_wc_orders_meta; "
                      "DROP VIEW wp_urumi_order_totals; DROP TABLE wp_wc_orders; "
                      "DROP TABLE wp_woocommerce_sessions;", store.name)
    backup(store)
    job = store.job("restore", "bk-01hx7k3m9q", URUMI_SCRUB="true")
    assert job.ok, f"{job.step}: {job.message}\n{job.logs}"
    assert store.data.customers[0].email not in store.db.dump(store.name)


def test_delete_removes_exactly_that_backups_objects(store):
    backup(store, "bk-1")
    backup(store, "bk-10")  # shares "bk-1" as a prefix of its name
    store.put_object(store.folder("bk-1", store="another-store") + "manifest.json", b"{}")
    store.put_object(store.folder("bk-1").rstrip("/") + "-notes.txt", b"not the backup's")
    before = store.objects()

    job = store.job("delete", "bk-1")
    assert job.ok, f"{job.step}: {job.message}\n{job.logs}"
    assert job.result == {"deleted": "bk-1", "objects": 3}
    gone = sorted(set(before) - set(store.objects()))
    assert gone == [store.folder("bk-1") + n for n in
                    ("database.sql.gz", "manifest.json", "wp-content.tar.gz")]
    # Deleting again is not an error: retention may retry.
    job = store.job("delete", "bk-1")
    assert job.ok and job.result == {"deleted": "bk-1", "objects": 0}
    # What is left still restores.
    job = store.job("restore", "bk-10")
    assert job.ok, job.message


def test_a_rerun_backup_with_the_same_id_replaces_it_whole(s3_store):
    store = s3_store
    first = backup(store, "bk-again")
    (store.wp_content / "uploads" / "new.jpg").write_bytes(b"new" * 1000)
    second = backup(store, "bk-again")
    assert second["files"][1]["sha256"] != first["files"][1]["sha256"]
    assert json.loads(store.objects()[store.folder("bk-again") + "manifest.json"]) == second


@pytest.mark.parametrize("mode,backup_id,store_id,message", [
    ("copy", "bk-1", "s", "URUMI_BACKUP_MODE must be backup, restore or delete"),
    ("backup", "", "s", "URUMI_BACKUP_ID '' is not"),
    ("backup", "BK-1", "s", "is not 1-40 characters"),
    ("backup", "bk-" + "x" * 38, "s", "is not 1-40 characters"),
    ("backup", "../etc", "s", "is not 1-40 characters"),
    ("delete", "bk-1", "../other", "is not a store id"),
])
def test_bad_inputs_fail_in_the_first_container_with_a_reason(s3_store, mode, backup_id,
                                                              store_id, message):
    job = s3_store.job(mode, backup_id, store=store_id)
    assert not job.ok and job.step == "fetch" and job.status == 3
    assert message in job.message


def test_failures_say_why_in_one_line(s3_store):
    store = s3_store
    store.env["DB_WAIT_SECONDS"] = "0"
    store.env["DB_PORT"] = "1"
    job = store.job("backup", "bk-nodb")
    assert not job.ok and job.step == "dump" and job.status == 1  # may be retried
    assert "did not answer" in job.message and "\n" not in job.message

    store.env["DB_PORT"] = str(store.db.port)
    store.env["S3_BUCKET"] = "no-such-bucket"
    job = store.job("backup", "bk-nobucket")
    assert not job.ok and job.step == "store"
    assert job.message.startswith("backup/store: `") and "failed (exit" in job.message

    store.env["S3_BUCKET"] = store.bucket
    store.env["S3_CREDENTIALS_DIR"] = str(store.tmp / "nothing")
    job = store.job("delete", "bk-1")
    assert not job.ok and "no S3 credentials" in job.message and job.status == 3


def test_without_the_test_switch_the_restore_runs_wp_cli(s3_store, tmp_path):
    """The skip is only the test's: without it, finish calls WP-CLI (a stand-in that records
    its calls here, since there is no WordPress core to run the real one against)."""
    store = s3_store
    backup(store)
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    calls = tmp_path / "wp-calls"
    (bin_dir / "wp").write_text(f'#!/bin/sh\necho "$*" >>{calls}\n')
    (bin_dir / "wp").chmod(0o755)
    env_path = f"{bin_dir}:{store.env['PATH']}"
    del store.env["URUMI_BACKUP_TEST_SKIP_WP"]
    store.env["PATH"] = env_path

    job = store.job("restore", "bk-01hx7k3m9q", URUMI_URL_FROM="https://cafe-urumi.shops.example.com",
                    URUMI_URL_TO="https://clone-1.shops.example.com")
    assert job.ok, f"{job.step}: {job.message}\n{job.logs}"
    assert job.result == {"restored": "bk-01hx7k3m9q", "scrubbed": False, "rewritten": True}
    lines = calls.read_text().splitlines()
    docroot = store.env["WP_PATH"]
    assert lines.pop(0) == f"--path={docroot} core is-installed"
    assert lines[0] == (f"--path={docroot} search-replace https://cafe-urumi.shops.example.com "
                        "https://clone-1.shops.example.com --skip-plugins --skip-themes "
                        "--all-tables-with-prefix --skip-columns=guid --report-changed-only")
    assert "https:\\/\\/cafe-urumi.shops.example.com https:\\/\\/clone-1.shops.example.com" in lines[1]
    assert lines[2:] == [f"--path={docroot} plugin is-active woocommerce",
                         f"--path={docroot} wc update"]

    # Same URL (or none): no rewrite; without the stand-in there is no wp, and that fails.
    calls.unlink()
    job = store.job("restore", "bk-01hx7k3m9q", URUMI_URL_FROM="https://a.example.com",
                    URUMI_URL_TO="https://a.example.com")
    assert job.ok and job.result["rewritten"] is False
    assert "search-replace" not in calls.read_text()
    store.env["PATH"] = env_path.split(":", 1)[1]
    job = store.job("restore", "bk-01hx7k3m9q")
    assert not job.ok and job.step == "finish"
    assert "WP-CLI (wp) is not in this image" in job.message
