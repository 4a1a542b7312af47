"""Fixtures for the backup Job's checks (run by scripts/test-backup).

One MariaDB server and one moto S3 server for the session; per test a fresh database
store_<hex> filled by wpstore.populate, a wp-content tree, a bucket, and `job(...)`, which runs
the chart's scripts (helm/store/files/backup) as the Job's pod would.
"""

from __future__ import annotations

import os
import random
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import servers  # noqa: E402
import wpstore  # noqa: E402

VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def mariadb():
    server = servers.MariaDB(fast=True)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3():
    server = servers.MotoS3(VENV_BIN)
    yield server
    server.stop()


class Store:
    """One store of the test: its database, wp-content, and the Job's environment."""

    def __init__(self, mariadb, s3, tmp_path: Path, target: str):
        self.db = mariadb
        self.s3 = s3
        self.name = f"store_{uuid.uuid4().hex[:10]}"
        self.store_id = str(uuid.uuid4())
        self.tmp = tmp_path
        self.wp_content = tmp_path / "wp-content"
        self.wp_content.mkdir()
        self.bucket = f"urumi-backups-{uuid.uuid4().hex[:8]}"
        self.pvc = tmp_path / "backups"
        self.pvc.mkdir()
        mariadb.root_sql(f"CREATE DATABASE {self.name} CHARACTER SET utf8mb4")
        rng = random.Random(self.name)
        self.data = wpstore.populate(rng)
        mariadb.user_sql(self.data.sql, self.name)
        wpstore.make_wp_content(self.wp_content, rng)
        password = tmp_path / "mysql-password"
        password.write_text(servers.DB_PASSWORD)
        # WordPress core as the WordPress image has it (for the restore's core step).
        core = tmp_path / "wordpress-src"
        (core / "wp-includes").mkdir(parents=True)
        (core / "wp-content" / "themes").mkdir(parents=True)
        (core / "wp-includes" / "version.php").write_text("<?php $wp_version = '7.1.0';\n")
        (core / "wp-config-docker.php").write_text("<?php // from the environment\n")
        docroot = tmp_path / "docroot"
        docroot.mkdir()
        home = tmp_path / "home"
        home.mkdir()
        # What templates/_backup-job.tpl sets, with this machine's paths.
        self.env = {
            "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "BACKUP_SCRIPTS": str(wpstore.SCRIPTS),
            "BACKUP_WP_CONTENT": str(self.wp_content),
            "BACKUP_WORDPRESS_SOURCE": str(core),
            "WP_PATH": str(docroot),
            "DB_HOST": "127.0.0.1",
            "DB_PORT": str(mariadb.port),
            "DB_NAME": self.name,
            "DB_USER": servers.DB_USER,
            "DB_PASSWORD_FILE": str(password),
            "DB_WAIT_SECONDS": "10",
            "URUMI_CHART_REVISION": "7",
            "URUMI_WORDPRESS_VERSION": "7.1.0",
            "URUMI_WOOCOMMERCE_VERSION": "11.1.2",
            # Test-only: no WordPress core or WooCommerce here to run WP-CLI against.
            "URUMI_BACKUP_TEST_SKIP_WP": "true",
        }
        if target == "s3":
            s3.client().create_bucket(Bucket=self.bucket)
            self.env.update({"S3_ENDPOINT": s3.endpoint, "S3_REGION": "us-east-1",
                             "S3_BUCKET": self.bucket, "S3_PREFIX": "urumi",
                             "S3_PATH_STYLE": "true", "S3_CREDENTIALS_DIR": str(s3.credentials)})
        else:
            self.env.update({"BACKUP_PVC_DIR": str(self.pvc),
                             "BACKUP_PVC_CLAIM": "store-7f3c9a1e-backups"})
        self.target = target
        self.runs = 0

    def job(self, mode: str, backup_id: str, store: str | None = None, **extra: str):
        self.runs += 1
        workdir = self.tmp / f"job-{self.runs}-{mode}"
        workdir.mkdir()
        return wpstore.run_job(mode, backup_id, store or self.store_id, self.env, workdir, extra)

    def objects(self, prefix: str = "") -> dict[str, bytes]:
        """Every object of the target (key or path relative to the claim -> bytes)."""
        if self.target == "s3":
            client = self.s3.client()
            out = {}
            for page in client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    out[item["Key"]] = client.get_object(
                        Bucket=self.bucket, Key=item["Key"])["Body"].read()
            return out
        return {str(p.relative_to(self.pvc)): p.read_bytes()
                for p in sorted(self.pvc.rglob("*")) if p.is_file()
                and str(p.relative_to(self.pvc)).startswith(prefix)}

    def folder(self, backup_id: str, store: str | None = None) -> str:
        base = f"{store or self.store_id}/{backup_id}/"
        return f"urumi/{base}" if self.target == "s3" else base

    def put_object(self, key: str, body: bytes) -> None:
        if self.target == "s3":
            self.s3.client().put_object(Bucket=self.bucket, Key=key, Body=body)
        else:
            path = self.pvc / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)

    def table_checksums(self) -> dict[str, str]:
        tables = [row[0] for row in self.db.query(
            self.name, "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                       "DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name")]
        rows = self.db.query(self.name, f"CHECKSUM TABLE {', '.join(tables)} EXTENDED")
        return {row[0].split(".", 1)[1]: row[1] for row in rows}

    def schema_objects(self) -> list[str]:
        rows = self.db.query(self.name, (
            "SELECT CONCAT(table_type, ' ', table_name) FROM information_schema.tables "
            "WHERE table_schema = DATABASE() UNION ALL SELECT CONCAT('TRIGGER ', trigger_name) "
            "FROM information_schema.triggers WHERE trigger_schema = DATABASE() ORDER BY 1"))
        return [row[0] for row in rows]


@pytest.fixture(params=["s3", "pvc"])
def store(request, mariadb, s3, tmp_path):
    """A store per target: the S3 bucket (moto) or the backups claim (a directory)."""
    yield Store(mariadb, s3, tmp_path, request.param)


@pytest.fixture
def s3_store(mariadb, s3, tmp_path):
    yield Store(mariadb, s3, tmp_path, "s3")
