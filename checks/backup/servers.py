"""Throwaway servers for the backup Job's checks: a real MariaDB and a real moto S3 server.

Used by conftest.py (the tests) and bench.py (the measurement). Nothing here is mocked: the
Job's scripts talk to these servers with the real `mariadb`/`mariadb-dump` clients and the
real `aws` CLI, exactly as they talk to MySQL and S3 in a cluster.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

DB_USER = "wordpress"
DB_PASSWORD = "s3cret-Pa55word"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MariaDB:
    """mariadb-install-db into a temporary datadir, mariadbd on a free port and its own
    socket (as the `mysql` user when we are root), a `wordpress` user with a password that
    may do anything in databases named store_*. `fast` trades durability for speed (tests);
    the benchmark keeps the server's durable defaults."""

    def __init__(self, fast: bool = True):
        self.base = Path(tempfile.mkdtemp(prefix="urumi-backup-db-"))
        self.base.chmod(0o755)
        self.datadir = self.base / "data"
        self.socket = self.base / "mysqld.sock"
        self.port = free_port()
        self.log = self.base / "error.log"
        self.process: subprocess.Popen | None = None
        root = os.geteuid() == 0
        user_args = ["--user=mysql"] if root else []
        if root:
            mysql = pwd.getpwnam("mysql")
            os.chown(self.base, mysql.pw_uid, mysql.pw_gid)
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={self.datadir}",
                        "--skip-test-db", "--auth-root-authentication-method=socket",
                        *user_args], check=True, capture_output=True, cwd=self.base)
        args = ["mariadbd", "--no-defaults", f"--datadir={self.datadir}",
                f"--socket={self.socket}", f"--port={self.port}", "--bind-address=127.0.0.1",
                "--skip-name-resolve", f"--log-error={self.log}",
                f"--pid-file={self.base / 'mysqld.pid'}", "--innodb-buffer-pool-size=256M",
                "--max-allowed-packet=256M",
                # MySQL 8.4's default mode (the chart's server), stricter than MariaDB's.
                "--sql-mode=ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
                "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION", *user_args]
        if fast:
            args += ["--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0",
                     "--sync-binlog=0"]
        self.process = subprocess.Popen(args, cwd=self.base, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"mariadbd exited: {self.log.read_text()[-2000:]}")
            if self.socket.exists() and self.root_sql("SELECT 1", check=False).returncode == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"mariadbd did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)
        self.root_sql(f"CREATE USER '{DB_USER}'@'127.0.0.1' IDENTIFIED BY '{DB_PASSWORD}';"
                      f"GRANT ALL PRIVILEGES ON `store\\_%`.* TO '{DB_USER}'@'127.0.0.1';")

    def root_sql(self, statements: str, database: str = "", check: bool = True,
                 ) -> subprocess.CompletedProcess:
        """Statements as the server's root over the socket; stdout is the batch output."""
        result = subprocess.run(
            ["mariadb", "--no-defaults", f"--socket={self.socket}", "-uroot", "--batch",
             "--skip-column-names", "--default-character-set=utf8mb4", *([database] if database else [])],
            input=statements, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise RuntimeError(f"SQL failed: {result.stderr}\n{statements[:500]}")
        return result

    def user_sql(self, statements: str, database: str) -> None:
        """Statements as the store's own user over TCP, as WordPress runs them (so views and
        triggers get that user as their DEFINER, as in a real store)."""
        result = subprocess.run(
            ["mariadb", "--no-defaults", "--protocol=TCP", "-h127.0.0.1", f"-P{self.port}",
             f"-u{DB_USER}", f"-p{DB_PASSWORD}", "--max-allowed-packet=256M",
             "--default-character-set=utf8mb4", database],
            # WordPress's own session mode (wpdb drops the strict and zero-date modes).
            input="SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION';\n" + statements,
            capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"SQL failed: {result.stderr[-1500:]}")

    def query(self, database: str, statement: str) -> list[list[str]]:
        out = self.root_sql(statement, database).stdout
        return [line.split("\t") for line in out.splitlines()]

    def dump(self, database: str) -> str:
        """A full dump (every table, every row, one INSERT per row) as text."""
        return subprocess.run(
            ["mariadb-dump", "--no-defaults", f"--socket={self.socket}", "-uroot",
             "--skip-extended-insert", "--default-character-set=utf8mb4", "--hex-blob", "--triggers",
             "--routines", "--events", database],
            capture_output=True, check=True).stdout.decode("utf-8", errors="replace")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.base, ignore_errors=True)


class MotoS3:
    """`moto_server` (moto's standalone S3) on a free port of the loopback address."""

    def __init__(self, venv_bin: Path):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.base = Path(tempfile.mkdtemp(prefix="urumi-backup-s3-"))
        self.log = self.base / "moto.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [str(venv_bin / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=2).read()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start: {self.log.read_text()[-2000:]}")
                time.sleep(0.1)
        # Credentials as the Job gets them: one file per key of the Secret.
        self.credentials = self.base / "credentials"
        self.credentials.mkdir()
        (self.credentials / "AWS_ACCESS_KEY_ID").write_text("urumi-test-key")
        (self.credentials / "AWS_SECRET_ACCESS_KEY").write_text("urumi-test-secret")

    def client(self):
        import boto3  # moto's own dependency, in the same virtualenv

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="urumi-test-key",
                            aws_secret_access_key="urumi-test-secret")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.base, ignore_errors=True)
