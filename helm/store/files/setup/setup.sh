#!/bin/sh
# WooCommerce setup of one Urumi store, run by the chart's setup Job (image wordpress:cli, as
# www-data). The Job is created together with MySQL and WordPress at install, and again by
# any upgrade that changes its inputs (its name carries their hash), so the script starts by
# waiting for both.
#
# Every step is safe to run again: it either checks before it changes something (core
# install, WooCommerce install, shipping method, sample product) or sets a value to what the
# chart says (options, payment gateway). A failed run is simply retried by the Job.
#
# Input comes from the environment (see templates/_setup-job.tpl); secrets come from files.
set -eu

WP_PATH=${WP_PATH:-/var/www/html}
# The admin account's name comes from the Secret: it is fixed at the first install.
ADMIN_USER=$(cat "$ADMIN_USER_FILE")

log() { printf '[setup %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { log "ERROR: $*"; exit 1; }

# WP-CLI against this store; `woo` runs WooCommerce's REST-backed commands as the admin.
wpc() { wp --path="$WP_PATH" --url="$SITE_URL" "$@"; }
woo() { wpc wc "$@" --user="$ADMIN_USER"; }

# wait_for WHAT SECONDS COMMAND...: retry COMMAND every 5 s for up to SECONDS; on giving up,
# run it once more with its output shown, so the log says why.
wait_for() {
  what=$1
  limit=$2
  shift 2
  waited=0
  until "$@" >/dev/null 2>&1; do
    if [ "$waited" -ge "$limit" ]; then
      "$@" || true
      die "$what did not become ready within ${limit}s"
    fi
    sleep 5
    waited=$((waited + 5))
  done
  log "$what is ready (waited ${waited}s)"
}

# version_lt A B: true when version A is older than version B.
# shellcheck disable=SC2016 # the $argv are PHP's, not the shell's
version_lt() { php -r 'exit(version_compare($argv[1], $argv[2], "<") ? 0 : 1);' "$1" "$2"; }

log "setting up $SITE_URL (WooCommerce $WOO_VERSION, plugins: ${PLUGINS:-none})"

# 1. Dependencies: the database, and WordPress serving (its first start also copies the
#    default themes into wp-content, which the core install below needs).
[ -f "$WP_PATH/wp-includes/version.php" ] || die "WordPress core missing in $WP_PATH"
wait_for "MySQL" "$WAIT_SECONDS" php "$SCRIPTS_DIR/db-ping.php"
wait_for "WordPress" "$WAIT_SECONDS" php "$SCRIPTS_DIR/http-ping.php" "$WORDPRESS_SERVICE_URL/wp-login.php"
ls "$WP_PATH"/wp-content/themes/*/style.css >/dev/null 2>&1 || die "no theme in wp-content/themes"

# 2. WordPress core.
if wpc core is-installed 2>/dev/null; then
  log "WordPress is already installed"
else
  log "installing WordPress"
  # --prompt reads the password from stdin, so it never appears in a process list.
  wpc core install --title="$STORE_NAME" --admin_user="$ADMIN_USER" \
    --admin_email="$ADMIN_EMAIL" --skip-email --prompt=admin_password <"$ADMIN_PASSWORD_FILE"
fi
wpc core update-db
wpc option update blogname "$STORE_NAME"
wpc option update admin_email "$ADMIN_EMAIL"
wpc rewrite structure '/%postname%/'

# 3. WooCommerce: install the pinned version, upgrade an older copy, never downgrade.
if ! wpc plugin is-installed woocommerce; then
  log "installing WooCommerce $WOO_VERSION"
  wpc plugin install woocommerce --version="$WOO_VERSION"
else
  installed=$(wpc plugin get woocommerce --field=version)
  if version_lt "$installed" "$WOO_VERSION"; then
    log "upgrading WooCommerce $installed -> $WOO_VERSION"
    wpc plugin install woocommerce --version="$WOO_VERSION" --force
  else
    log "WooCommerce $installed is installed"
  fi
fi
wpc plugin is-active woocommerce || wpc plugin activate woocommerce
# Database migrations of the WooCommerce now installed (after an upgrade, or a new WordPress
# image); a no-op when the database is current.
wpc wc update
woo tool run install_pages

# 3b. The plugins the values list ($PLUGINS: "slug" or "slug@version", space-separated).
#     Option urumi_managed_plugins holds the slugs this script installed, so that a plugin
#     dropped from the list is removed only if Urumi put it there: a plugin the shop owner
#     installed by hand, and WooCommerce, are never removed. A slug is recorded before its
#     install, so a retry after a failed attempt still knows it.
# listed SLUG LIST: SLUG is a word of LIST. drop SLUG LIST: LIST without SLUG, single-spaced.
listed() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }
drop() {
  kept=""
  for item in $2; do
    [ "$item" = "$1" ] || kept="${kept:+$kept }$item"
  done
  printf '%s' "$kept"
}
save_managed() { wpc option update urumi_managed_plugins "$managed" --autoload=no >/dev/null; }
managed=$(drop "" "$(wpc option get urumi_managed_plugins 2>/dev/null || true)")
wanted=""
for entry in $PLUGINS; do
  slug=${entry%%@*}
  version=""
  case $entry in *@*) version=${entry#*@} ;; esac
  wanted="$wanted $slug"
  if ! wpc plugin is-installed "$slug"; then
    if ! listed "$slug" "$managed"; then
      managed="${managed:+$managed }$slug"
      save_managed
    fi
    log "installing plugin $slug ${version:-(latest)}"
    wpc plugin install "$slug" ${version:+"--version=$version"}
  elif [ -n "$version" ] && [ "$(wpc plugin get "$slug" --field=version)" != "$version" ]; then
    log "changing plugin $slug to $version"
    wpc plugin install "$slug" --version="$version" --force
  else
    log "plugin $slug ${version:-(any version)} is installed"
  fi
  wpc plugin is-active "$slug" || wpc plugin activate "$slug"
done
for slug in $managed; do
  if listed "$slug" "$wanted" || [ "$slug" = woocommerce ]; then
    continue
  fi
  if wpc plugin is-installed "$slug"; then
    log "removing plugin $slug (no longer listed)"
    if wpc plugin is-active "$slug"; then
      wpc plugin deactivate "$slug"
    fi
    wpc plugin delete "$slug"
  fi
  managed=$(drop "$slug" "$managed")
  save_managed
done

# 4. Store basics, onboarding finished, store open to visitors.
wpc option update woocommerce_default_country "$STORE_COUNTRY"
wpc option update woocommerce_currency "$STORE_CURRENCY"
wpc option update woocommerce_store_address "$STORE_ADDRESS"
wpc option update woocommerce_store_city "$STORE_CITY"
wpc option update woocommerce_store_postcode "$STORE_POSTCODE"
wpc option update woocommerce_calc_taxes no
wpc option update woocommerce_enable_guest_checkout yes
wpc option update woocommerce_allow_tracking no
wpc option update woocommerce_show_marketplace_suggestions no
wpc option update woocommerce_onboarding_profile '{"completed":true,"skipped":true}' --format=json
wpc option update woocommerce_task_list_hidden yes
wpc option update woocommerce_coming_soon no
wpc option update woocommerce_store_pages_only no
wpc transient delete _wc_activation_redirect >/dev/null 2>&1 || true

# 5. Payment: Cash on Delivery, for physical and virtual products, with any shipping method.
woo payment_gateway update cod --enabled=true >/dev/null
log "Cash on Delivery enabled"

# 6. Shipping: free shipping in the zone that covers every address no other zone covers
#    (zone 0), so a physical product can be checked out anywhere.
methods=$(woo shipping_zone_method list 0 --field=method_id)
if printf '%s\n' "$methods" | grep -qx free_shipping; then
  log "free shipping already set"
else
  woo shipping_zone_method create 0 --method_id=free_shipping --enabled=true >/dev/null
  log "free shipping added"
fi

# 7. The sample product, created once: an existing product with the SKU is left alone (its
#    stock goes down with orders).
existing=$(woo product list --sku="$PRODUCT_SKU" --field=id)
product_id=$(printf '%s\n' "$existing" | head -n 1)
if [ -n "$product_id" ]; then
  log "sample product $PRODUCT_SKU exists (id $product_id)"
else
  product_id=$(woo product create --type=simple --status=publish --name="$PRODUCT_NAME" \
    --sku="$PRODUCT_SKU" --regular_price="$PRODUCT_PRICE" --manage_stock=true \
    --stock_quantity="$PRODUCT_STOCK" --description="$PRODUCT_DESCRIPTION" --porcelain)
  log "sample product $PRODUCT_SKU created (id $product_id)"
fi

# 8. The check Urumi relies on: the public Store API lists the product as purchasable and in
#    stock, served by the WordPress pods through their Service.
wait_for "Store API" 120 php "$SCRIPTS_DIR/store-check.php" "$WORDPRESS_SERVICE_URL" \
  "$PRODUCT_SKU" "$product_id"
log "store ready: $SITE_URL/"
