"""A WordPress/WooCommerce-shaped store for the backup Job's checks, and the Job itself.

- `SCHEMA`: the tables a WooCommerce store has where its data lives (the columns that matter,
  with WordPress's and WooCommerce's names and types), plus a view and a trigger.
- `populate(...)`: rows (options with the site URL, also inside a PHP-serialized option, an
  administrator and customers with their meta, legacy orders as posts with _billing_* meta,
  HPOS orders and addresses, the customer lookup, sessions, reviews) and a wp-content tree.
- `run_job(...)`: runs helm/store/files/backup/run.sh step by step, in the pod's order, with
  the environment the chart gives the containers, each step with its own termination
  message file, stopping at the first failing step like a pod's init containers.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "helm" / "store" / "files" / "backup"
# The pod's containers, in order (templates/_backup-job.tpl): init containers, then finish.
STEPS = ["fetch", "dump", "archive", "import", "unpack", "store", "core", "finish"]

SITE_URL = "https://cafe-urumi.shops.example.com"

SCHEMA = """
CREATE TABLE wp_options (
  option_id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  option_name varchar(191) NOT NULL DEFAULT '',
  option_value longtext NOT NULL,
  autoload varchar(20) NOT NULL DEFAULT 'yes',
  PRIMARY KEY (option_id), UNIQUE KEY option_name (option_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
CREATE TABLE wp_users (
  ID bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  user_login varchar(60) NOT NULL DEFAULT '',
  user_pass varchar(255) NOT NULL DEFAULT '',
  user_nicename varchar(50) NOT NULL DEFAULT '',
  user_email varchar(100) NOT NULL DEFAULT '',
  user_url varchar(100) NOT NULL DEFAULT '',
  user_registered datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  user_activation_key varchar(255) NOT NULL DEFAULT '',
  user_status int(11) NOT NULL DEFAULT 0,
  display_name varchar(250) NOT NULL DEFAULT '',
  PRIMARY KEY (ID), KEY user_login_key (user_login), KEY user_email (user_email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
CREATE TABLE wp_usermeta (
  umeta_id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  user_id bigint(20) unsigned NOT NULL DEFAULT 0,
  meta_key varchar(255) DEFAULT NULL,
  meta_value longtext DEFAULT NULL,
  PRIMARY KEY (umeta_id), KEY user_id (user_id), KEY meta_key (meta_key(191))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
CREATE TABLE wp_posts (
  ID bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  post_author bigint(20) unsigned NOT NULL DEFAULT 0,
  post_date datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  post_content longtext NOT NULL,
  post_title text NOT NULL,
  post_excerpt text NOT NULL,
  post_status varchar(20) NOT NULL DEFAULT 'publish',
  post_name varchar(200) NOT NULL DEFAULT '',
  post_type varchar(20) NOT NULL DEFAULT 'post',
  guid varchar(255) NOT NULL DEFAULT '',
  PRIMARY KEY (ID), KEY type_status_date (post_type, post_status, post_date, ID)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
CREATE TABLE wp_postmeta (
  meta_id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  post_id bigint(20) unsigned NOT NULL DEFAULT 0,
  meta_key varchar(255) DEFAULT NULL,
  meta_value longtext DEFAULT NULL,
  PRIMARY KEY (meta_id), KEY post_id (post_id), KEY meta_key (meta_key(191))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
CREATE TABLE wp_comments (
  comment_ID bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  comment_post_ID bigint(20) unsigned NOT NULL DEFAULT 0,
  comment_author tinytext NOT NULL,
  comment_author_email varchar(100) NOT NULL DEFAULT '',
  comment_author_url varchar(200) NOT NULL DEFAULT '',
  comment_author_IP varchar(100) NOT NULL DEFAULT '',
  comment_date datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  comment_content text NOT NULL,
  comment_approved varchar(20) NOT NULL DEFAULT '1',
  comment_agent varchar(255) NOT NULL DEFAULT '',
  comment_type varchar(20) NOT NULL DEFAULT 'comment',
  user_id bigint(20) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY (comment_ID), KEY comment_post_ID (comment_post_ID)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
CREATE TABLE wp_wc_orders (
  id bigint(20) unsigned NOT NULL,
  status varchar(20) DEFAULT NULL,
  currency varchar(10) DEFAULT NULL,
  type varchar(20) DEFAULT NULL,
  tax_amount decimal(26,8) DEFAULT NULL,
  total_amount decimal(26,8) DEFAULT NULL,
  customer_id bigint(20) unsigned DEFAULT NULL,
  billing_email varchar(320) DEFAULT NULL,
  date_created_gmt datetime DEFAULT NULL,
  parent_order_id bigint(20) unsigned DEFAULT NULL,
  payment_method varchar(100) DEFAULT NULL,
  ip_address varchar(100) DEFAULT NULL,
  user_agent text DEFAULT NULL,
  customer_note text DEFAULT NULL,
  PRIMARY KEY (id), KEY customer_id_billing_email (customer_id, billing_email(171))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
CREATE TABLE wp_wc_order_addresses (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  order_id bigint(20) unsigned NOT NULL,
  address_type varchar(20) DEFAULT NULL,
  first_name text, last_name text, company text, address_1 text, address_2 text,
  city text, state text, postcode text, country text,
  email varchar(320) DEFAULT NULL,
  phone varchar(100) DEFAULT NULL,
  PRIMARY KEY (id), UNIQUE KEY address_type_order_id (address_type, order_id),
  CONSTRAINT fk_order FOREIGN KEY (order_id) REFERENCES wp_wc_orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
CREATE TABLE wp_wc_orders_meta (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  order_id bigint(20) unsigned DEFAULT NULL,
  meta_key varchar(255) DEFAULT NULL,
  meta_value text DEFAULT NULL,
  PRIMARY KEY (id), KEY meta_key_value (meta_key(100), meta_value(82))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
CREATE TABLE wp_wc_customer_lookup (
  customer_id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  user_id bigint(20) unsigned DEFAULT NULL,
  username varchar(60) NOT NULL DEFAULT '',
  first_name varchar(255) NOT NULL,
  last_name varchar(255) NOT NULL,
  email varchar(100) DEFAULT NULL,
  date_last_active timestamp NULL DEFAULT NULL,
  date_registered timestamp NULL DEFAULT NULL,
  country char(2) NOT NULL DEFAULT '',
  postcode varchar(20) NOT NULL DEFAULT '',
  city varchar(100) NOT NULL DEFAULT '',
  state varchar(100) NOT NULL DEFAULT '',
  PRIMARY KEY (customer_id), UNIQUE KEY user_id (user_id), KEY email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
CREATE TABLE wp_woocommerce_sessions (
  session_id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  session_key char(32) NOT NULL,
  session_value longtext NOT NULL,
  session_expiry bigint(20) unsigned NOT NULL,
  PRIMARY KEY (session_id), UNIQUE KEY session_key (session_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
CREATE TABLE wp_urumi_media_cache (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  name varchar(100) NOT NULL,
  data longblob NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
CREATE TABLE wp_urumi_order_log (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  order_id bigint(20) unsigned NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
CREATE TRIGGER wp_urumi_order_logged AFTER INSERT ON wp_wc_orders
  FOR EACH ROW INSERT INTO wp_urumi_order_log (order_id) VALUES (NEW.id);
CREATE VIEW wp_urumi_order_totals AS
  SELECT status, COUNT(*) AS orders, SUM(total_amount) AS total FROM wp_wc_orders GROUP BY status;
"""

FIRST_NAMES = ["Amaryllis", "Bartholomew", "Cordelia", "Desmond", "Evangeline", "Fitzgerald",
               "Gwendolyn", "Horatio", "Isadora", "Jebediah", "Katarina", "Leopold"]
LAST_NAMES = ["Quimbleton", "Vantassel", "Ashcombe", "Pendragon", "Whitlock", "Marchbanks",
              "Featherstone", "Blackwood", "Thistlewaite", "Oakenshield", "Ravensworth"]


def php_serialize(value) -> str:
    """Enough of PHP's serialize() for options: strings (byte lengths), ints, bools, dicts."""
    if isinstance(value, bool):
        return f"b:{int(value)};"
    if isinstance(value, int):
        return f"i:{value};"
    if isinstance(value, str):
        return f's:{len(value.encode())}:"{value}";'
    if isinstance(value, dict):
        items = "".join(php_serialize(k) + php_serialize(v) for k, v in value.items())
        return f"a:{len(value)}:{{{items}}}"
    raise TypeError(type(value))


def sql_str(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def inserts(table: str, columns: list[str], rows: list[list], batch: int = 200) -> str:
    out = []
    for start in range(0, len(rows), batch):
        values = ",\n".join("(" + ",".join(sql_str(v) for v in row) + ")"
                            for row in rows[start:start + batch])
        out.append(f"INSERT INTO {table} ({','.join(columns)}) VALUES\n{values};")
    return "\n".join(out)


@dataclass
class Customer:
    user_id: int  # 0 for a guest
    first: str
    last: str
    email: str
    phone: str
    street: str
    city: str
    postcode: str

    def secrets(self) -> list[str]:
        """Strings that must not survive a scrub."""
        return [self.first, self.last, self.email, self.phone, self.street]


@dataclass
class StoreData:
    """What populate() put in, for the checks to look for."""
    customers: list[Customer] = field(default_factory=list)
    admin_email: str = "owner+shop@example.com"
    admin_names: tuple[str, str] = ("Olivia", "Ownerton")
    orders: int = 0
    sql: str = ""


def populate(rng: random.Random, customers: int = 8, guests: int = 3, orders: int = 20,
             posts: int = 10, post_bytes: int = 2000, blobs: int = 3, blob_bytes: int = 4096,
             ) -> StoreData:
    """SQL that fills SCHEMA (in StoreData.sql) and what it holds."""
    data = StoreData()
    sql = [SCHEMA]
    options = [
        ["siteurl", SITE_URL, "yes"], ["home", SITE_URL, "yes"],
        ["blogname", "Café Urumi ☕", "yes"], ["admin_email", data.admin_email, "yes"],
        ["db_version", "58975", "yes"], ["woocommerce_version", "11.1.2", "yes"],
        ["woocommerce_db_version", "11.1.2", "yes"],
        # A PHP-serialized option holding the URL: the reason the rewrite must be
        # serialization-aware (wp search-replace).
        ["theme_mods_storefront", php_serialize({
            "custom_logo": 42, "header_image": f"{SITE_URL}/wp-content/uploads/2026/11/header.jpg",
            "footer_link": SITE_URL, "sticky": True}), "yes"],
        ["wp_user_roles", php_serialize({"administrator": "Administrator",
                                         "customer": "Customer"}), "yes"],
    ]
    sql.append(inserts("wp_options", ["option_name", "option_value", "autoload"], options))

    users = [[1, "shopadmin", "$P$Badminhash", "shopadmin", data.admin_email, SITE_URL,
              "2026-01-02 03:04:05", "", 0, "Olivia Ownerton"]]
    usermeta = [[1, "wp_capabilities", php_serialize({"administrator": True})],
                [1, "first_name", data.admin_names[0]], [1, "last_name", data.admin_names[1]],
                [1, "nickname", "shopadmin"]]
    lookup = []
    people = []
    for i in range(customers + guests):
        first = rng.choice(FIRST_NAMES) + "".join(rng.choice("aeiouy") for _ in range(2)) + f"{i:02d}"
        last = rng.choice(LAST_NAMES) + f"x{i:02d}"
        guest = i >= customers
        person = Customer(
            user_id=0 if guest else 2 + i, first=first, last=last,
            email=f"{first.lower()}.{last.lower()}@customer-mail.test",
            phone=f"+1-555-01{i:02d}-{rng.randint(1000, 9999)}",
            street=f"{rng.randint(1, 999)} {rng.choice(LAST_NAMES)}stone Lane",
            city=f"Springfield{i:02d}", postcode=f"9{i:04d}")
        people.append(person)
        if not guest:
            uid = person.user_id
            registered = "0000-00-00 00:00:00" if i == 1 else "2026-03-04 05:06:07"
            users.append([uid, person.email, "$P$Bcustomerhash", f"{first.lower()}-{last.lower()}",
                          person.email, "", registered, "", 0, f"{first} {last}"])
            usermeta += [[uid, "wp_capabilities", php_serialize({"customer": True})],
                         [uid, "first_name", first], [uid, "last_name", last],
                         [uid, "nickname", person.email],
                         [uid, "billing_first_name", first], [uid, "billing_last_name", last],
                         [uid, "billing_email", person.email], [uid, "billing_phone", person.phone],
                         [uid, "billing_address_1", person.street],
                         [uid, "billing_city", person.city], [uid, "billing_country", "US"],
                         [uid, "shipping_first_name", first], [uid, "shipping_last_name", last],
                         [uid, "shipping_address_1", person.street],
                         [uid, "session_tokens", php_serialize({"tok": f"203.0.113.{i} Firefox"})]]
        lookup.append([person.user_id or None, person.email if not guest else "", first, last,
                       person.email, "US", person.postcode, person.city, "CA"])
    data.customers = people
    sql.append(inserts("wp_users", ["ID", "user_login", "user_pass", "user_nicename", "user_email",
                                    "user_url", "user_registered", "user_activation_key",
                                    "user_status", "display_name"], users))
    sql.append(inserts("wp_usermeta", ["user_id", "meta_key", "meta_value"], usermeta))
    sql.append(inserts("wp_wc_customer_lookup", ["user_id", "username", "first_name", "last_name",
                                                 "email", "country", "postcode", "city", "state"],
                       lookup))

    # Content: pages and products (semi-compressible text) and a review per customer.
    posts_rows, comments = [], []
    words = [rng.choice(FIRST_NAMES + LAST_NAMES).lower() + rng.choice(["", "s", "ing", "ed"])
             for _ in range(500)]
    for p in range(posts):
        text = []
        size = 0
        while size < post_bytes:
            word = rng.choice(words) if rng.random() < 0.7 else os.urandom(6).hex()
            text.append(word)
            size += len(word) + 1
        posts_rows.append([1000 + p, 1, "2026-05-06 07:08:09", " ".join(text),
                           f"Product {p} — ünïcödé 🛒", "", "publish", f"product-{p}",
                           "product", f"{SITE_URL}/?p={1000 + p}"])
    for person in people:
        comments.append([1000, person.first + " " + person.last, person.email, "",
                         "198.51.100.7", "2026-06-07 08:09:10", "Lovely tee, fits well.", "1",
                         "Mozilla/5.0", "review", person.user_id])

    # Orders: legacy posts with _billing_* meta (HPOS compatibility copy) and HPOS rows.
    postmeta, wc_orders, addresses, orders_meta = [], [], [], []
    for o in range(orders):
        order_id = 5000 + o
        person = people[o % len(people)]
        total = f"{rng.randint(1000, 50000) / 100:.2f}"
        posts_rows.append([order_id, 1, "2026-07-08 09:10:11", "", f"Order &ndash; {o}",
                           f"Please leave it with {person.first} next door", "wc-processing",
                           f"order-{o}", "shop_order_placehold", f"{SITE_URL}/?post_type=shop_order&p={order_id}"])
        for key, value in [("_billing_first_name", person.first), ("_billing_last_name", person.last),
                           ("_billing_email", person.email), ("_billing_phone", person.phone),
                           ("_billing_address_1", person.street), ("_billing_city", person.city),
                           ("_billing_postcode", person.postcode), ("_billing_country", "US"),
                           ("_shipping_first_name", person.first), ("_shipping_last_name", person.last),
                           ("_shipping_address_1", person.street),
                           ("_billing_address_index", f"{person.first} {person.last} {person.street} {person.email} {person.phone}"),
                           ("_customer_ip_address", "203.0.113.9"), ("_order_total", total),
                           ("_customer_user", str(person.user_id))]:
            postmeta.append([order_id, key, value])
        wc_orders.append([order_id, "wc-processing", "USD", "shop_order", "0.00000000", total,
                          person.user_id, person.email, "2026-07-08 09:10:11", 0, "cod",
                          "203.0.113.9", "Mozilla/5.0 (X11)", f"Ring {person.first}'s bell"])
        for kind in ("billing", "shipping"):
            addresses.append([order_id, kind, person.first, person.last, "", person.street, "",
                              person.city, "CA", person.postcode, "US",
                              person.email if kind == "billing" else None, person.phone])
        orders_meta.append([order_id, "_billing_address_index",
                            f"{person.first} {person.last} {person.street} {person.email}"])
    data.orders = orders
    sql.append(inserts("wp_posts", ["ID", "post_author", "post_date", "post_content", "post_title",
                                    "post_excerpt", "post_status", "post_name", "post_type", "guid"],
                       posts_rows, batch=20))
    sql.append(inserts("wp_postmeta", ["post_id", "meta_key", "meta_value"], postmeta))
    sql.append(inserts("wp_comments", ["comment_post_ID", "comment_author", "comment_author_email",
                                       "comment_author_url", "comment_author_IP", "comment_date",
                                       "comment_content", "comment_approved", "comment_agent",
                                       "comment_type", "user_id"], comments))
    sql.append(inserts("wp_wc_orders", ["id", "status", "currency", "type", "tax_amount",
                                        "total_amount", "customer_id", "billing_email",
                                        "date_created_gmt", "parent_order_id", "payment_method",
                                        "ip_address", "user_agent", "customer_note"], wc_orders))
    sql.append(inserts("wp_wc_order_addresses", ["order_id", "address_type", "first_name",
                                                 "last_name", "company", "address_1", "address_2",
                                                 "city", "state", "postcode", "country", "email",
                                                 "phone"], addresses))
    sql.append(inserts("wp_wc_orders_meta", ["order_id", "meta_key", "meta_value"], orders_meta))
    sessions = [[os.urandom(16).hex(), php_serialize({"customer": php_serialize({
        "email": p.email, "first_name": p.first})}), 1893456000 + i] for i, p in enumerate(people)]
    sql.append(inserts("wp_woocommerce_sessions", ["session_key", "session_value", "session_expiry"],
                       sessions))
    # Binary data (incompressible), through the dump's --hex-blob.
    blob_rows = [[f"blob-{b}", "0x" + os.urandom(blob_bytes).hex()] for b in range(blobs)]
    for start in range(0, len(blob_rows), 20):
        chunk = blob_rows[start:start + 20]
        sql.append("INSERT INTO wp_urumi_media_cache (name, data) VALUES " +
                   ",".join(f"({sql_str(n)},{hexdata})" for n, hexdata in chunk) + ";")
    data.sql = "\n".join(sql) + "\n"
    return data


def make_wp_content(root: Path, rng: random.Random, uploads: int = 6, upload_bytes: int = 20000,
                    text_files: int = 12, text_bytes: int = 3000) -> None:
    """plugins, themes and uploads: incompressible "images", compressible PHP/CSS, an empty
    directory, a symlink, odd names and modes."""
    (root / "plugins" / "woocommerce" / "includes").mkdir(parents=True)
    (root / "themes" / "storefront" / "assets").mkdir(parents=True)
    (root / "uploads" / "2026" / "11").mkdir(parents=True)
    (root / "upgrade").mkdir()  # empty
    for i in range(text_files):
        base = root / ("plugins/woocommerce/includes" if i % 2 else "themes/storefront/assets")
        line = f"<?php // {SITE_URL} line {{n}} of file {i}: " + "lorem ipsum dolor " * 3 + "\n"
        body = "".join(line.format(n=n) for n in range(max(1, text_bytes // len(line))))
        (base / f"file-{i}.php").write_text(body)
    for i in range(uploads):
        (root / "uploads" / "2026" / "11" / f"photo-{i}.jpg").write_bytes(os.urandom(upload_bytes))
    (root / "uploads" / "2026" / "11" / "Büro Foto (1).jpg").write_bytes(os.urandom(1000))
    (root / "uploads" / ".htaccess").write_text("Options -Indexes\n")
    script = root / "plugins" / "woocommerce" / "bin.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o750)
    (root / "themes" / "storefront" / "current").symlink_to("assets")
    (root / "index.php").write_text("<?php // Silence is golden.\n")


def tree_hashes(root: Path) -> dict[str, str]:
    """Every entry under root: type, mode and content (SHA-256) or link target."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if rel == "lost+found" or rel.startswith("lost+found/"):
            continue
        mode = oct(path.lstat().st_mode & 0o7777)
        if path.is_symlink():
            out[rel] = f"link {os.readlink(path)}"
        elif path.is_dir():
            out[rel] = f"dir {mode}"
        else:
            out[rel] = f"file {mode} {hashlib.sha256(path.read_bytes()).hexdigest()}"
    return out


@dataclass
class JobResult:
    ok: bool
    step: str  # the last step that ran (the failing one when not ok)
    message: str  # that step's termination message
    logs: str
    seconds: dict[str, float] = field(default_factory=dict)  # per step
    status: int = 0  # the exit code of the last step (3: permanent, no retry helps)

    @property
    def result(self) -> dict:
        return json.loads(self.message)


def run_job(mode: str, backup_id: str, store: str, env: dict[str, str], workdir: Path,
            extra: dict[str, str] | None = None, timeout: int = 900) -> JobResult:
    """The backup Job's pod: a fresh scratch volume, then every step in order, each with the
    same environment (the chart's settings `env` plus what Urumi adds) and its own
    termination message file, stopping at the first failure."""
    scratch = workdir / "scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    logs = []
    full = dict(env, URUMI_BACKUP_MODE=mode, URUMI_BACKUP_ID=backup_id, URUMI_BACKUP_STORE=store,
                BACKUP_SCRATCH=str(scratch), **(extra or {}))
    message = ""
    seconds: dict[str, float] = {}
    for step in STEPS:
        termination = workdir / f"termination-{step}"
        termination.write_text("")
        started = time.monotonic()
        result = subprocess.run(["bash", str(SCRIPTS / "run.sh"), step],
                                env=dict(full, BACKUP_TERMINATION_LOG=str(termination)),
                                capture_output=True, text=True, timeout=timeout)
        seconds[step] = time.monotonic() - started
        logs.append(result.stdout + result.stderr)
        message = termination.read_text()
        if result.returncode != 0:
            return JobResult(False, step, message, "".join(logs), seconds, result.returncode)
    return JobResult(True, "finish", message, "".join(logs), seconds)
