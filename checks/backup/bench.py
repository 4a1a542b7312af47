"""Measures the backup Job's scripts on a ~100 MB store (scripts/bench-backup; not a test).

About half of the size is database rows (product texts, orders, customers, and binary
rows of random bytes), half wp-content files (random "photos", PHP/CSS text). Random bytes
do not compress, so the archive sizes are honest. MariaDB runs with its durable defaults.
Prints the sizes and the times of backup and restore, to the moto S3 server and to a
directory standing for the backups PVC.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import servers  # noqa: E402
import wpstore  # noqa: E402

MB = 1024 * 1024


def tree_bytes(root: Path) -> int:
    return sum(p.lstat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="approximate store size (MB)")
    args = parser.parse_args()
    half = args.mb * MB // 2
    venv_bin = Path(sys.executable).parent
    work = Path(tempfile.mkdtemp(prefix="urumi-bench-backup-"))
    db = servers.MariaDB(fast=False)
    s3 = servers.MotoS3(venv_bin)
    print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores)")
    try:
        rng = random.Random(20261206)
        name = f"store_{uuid.uuid4().hex[:10]}"
        store_id = str(uuid.uuid4())
        db.root_sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
        # Database: 60% text rows (product pages ~10 KB each, orders, customers), 40% binary.
        posts = int(half * 0.6) // 10_000
        blobs = int(half * 0.4) // 100_000
        started = time.monotonic()
        data = wpstore.populate(rng, customers=2000, guests=500, orders=5000, posts=posts,
                                post_bytes=10_000, blobs=blobs, blob_bytes=100_000)
        db.user_sql(data.sql, name)
        load = time.monotonic() - started
        content = work / "wp-content"
        content.mkdir()
        # Files: 70% incompressible uploads (~200 KB "photos"), 30% text (~20 KB files).
        wpstore.make_wp_content(content, rng, uploads=int(half * 0.7) // 200_000,
                                upload_bytes=200_000, text_files=int(half * 0.3) // 20_000,
                                text_bytes=20_000)
        db_bytes = int(db.query(name, "SELECT SUM(data_length + index_length) FROM "
                                      "information_schema.tables WHERE table_schema = DATABASE()")[0][0])
        checksums_sql = ("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                         "DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name")
        tables = [r[0] for r in db.query(name, checksums_sql)]

        def checksums() -> list[list[str]]:
            return db.query(name, f"CHECKSUM TABLE {', '.join(tables)} EXTENDED")

        before_rows, before_files = checksums(), wpstore.tree_hashes(content)
        password = work / "mysql-password"
        password.write_text(servers.DB_PASSWORD)
        core = work / "wordpress-src"
        (core / "wp-includes").mkdir(parents=True)
        (core / "wp-config-docker.php").write_text("<?php\n")
        (work / "docroot").mkdir()
        (work / "home").mkdir()
        s3.client().create_bucket(Bucket="urumi-bench")
        (work / "backups").mkdir()
        base = {"PATH": f"{venv_bin}:{os.environ['PATH']}", "HOME": str(work / "home"),
                "LANG": "C.UTF-8", "BACKUP_SCRIPTS": str(wpstore.SCRIPTS),
                "BACKUP_WP_CONTENT": str(content), "BACKUP_WORDPRESS_SOURCE": str(core),
                "WP_PATH": str(work / "docroot"), "DB_HOST": "127.0.0.1", "DB_PORT": str(db.port),
                "DB_NAME": name, "DB_USER": servers.DB_USER, "DB_PASSWORD_FILE": str(password),
                "URUMI_CHART_REVISION": "1", "URUMI_WORDPRESS_VERSION": "7.1.0",
                "URUMI_WOOCOMMERCE_VERSION": "11.1.2", "URUMI_BACKUP_TEST_SKIP_WP": "true"}
        targets = {
            "moto S3": dict(base, S3_ENDPOINT=s3.endpoint, S3_REGION="us-east-1",
                            S3_BUCKET="urumi-bench", S3_PREFIX="urumi", S3_PATH_STYLE="true",
                            S3_CREDENTIALS_DIR=str(s3.credentials)),
            "PVC (directory)": dict(base, BACKUP_PVC_DIR=str(work / "backups"),
                                    BACKUP_PVC_CLAIM="bench-backups"),
        }
        print(f"store: database {db_bytes / MB:.1f} MB in InnoDB ({len(data.sql) / MB:.1f} MB of SQL, "
              f"loaded in {load:.1f} s), wp-content {tree_bytes(content) / MB:.1f} MB in "
              f"{sum(1 for p in content.rglob('*') if p.is_file())} files")
        for label, env in targets.items():
            jobdir = work / f"job-{len(label)}"
            jobdir.mkdir()
            started = time.monotonic()
            job = wpstore.run_job("backup", "bk-bench", store_id, env, jobdir / "backup")
            backup_s = time.monotonic() - started
            if not job.ok:
                print(f"{label}: backup failed in {job.step}: {job.message}\n{job.logs[-3000:]}")
                return 1
            manifest = job.result
            sizes = {f["name"]: f["bytes"] for f in manifest["files"]}
            with gzip.open(jobdir / "backup" / "scratch" / "files" / "database.sql.gz") as dump:
                dump_bytes = sum(len(chunk) for chunk in iter(lambda: dump.read(1 << 20), b""))
            steps = ", ".join(f"{k} {v:.1f}s" for k, v in job.seconds.items() if v >= 0.05)
            # Lose everything, then restore.
            db.root_sql(f"DROP DATABASE {name}; CREATE DATABASE {name} CHARACTER SET utf8mb4;")
            shutil.rmtree(content)
            content.mkdir()
            started = time.monotonic()
            restore = wpstore.run_job("restore", "bk-bench", store_id, env, jobdir / "restore")
            restore_s = time.monotonic() - started
            if not restore.ok:
                print(f"{label}: restore failed in {restore.step}: {restore.message}")
                return 1
            same = checksums() == before_rows and wpstore.tree_hashes(content) == before_files
            rsteps = ", ".join(f"{k} {v:.1f}s" for k, v in restore.seconds.items() if v >= 0.05)
            print(f"{label}: backup {backup_s:.1f} s ({steps}); "
                  f"database.sql.gz {sizes['database.sql.gz'] / MB:.1f} MB "
                  f"(dump {dump_bytes / MB:.1f} MB uncompressed), "
                  f"wp-content.tar.gz {sizes['wp-content.tar.gz'] / MB:.1f} MB, "
                  f"total {manifest['totalBytes'] / MB:.1f} MB")
            print(f"{label}: restore {restore_s:.1f} s ({rsteps}); "
                  f"tables and files identical: {same}")
            if not same:
                return 1
    finally:
        s3.stop()
        db.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
