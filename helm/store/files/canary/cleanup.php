<?php
// Urumi order canary, step 2a: run by canary.sh as `wp eval-file cleanup.php` (WordPress and
// WooCommerce loaded, as www-data in the canary pod). It undoes the canary's order the way a
// shop manager would: the order is set to "cancelled", which makes WooCommerce put the stock
// back (wc_maybe_increase_stock_levels on the status change, for an order whose stock was
// reduced), and is then deleted for good (not to the trash). Then it does the same to canary
// orders an earlier run left behind (a run killed between checkout and cleanup).
//
// Only canary orders are touched: the billing e-mail must be CANARY_EMAIL, an address on the
// reserved .invalid domain that no customer has. The order id comes from the shopping step's
// $CANARY_WORK_DIR/shop.json; the result goes to $CANARY_WORK_DIR/cleanup.json for report.php.
// Equivalent to `wp wc shop_order update ID --status=cancelled` then `wp wc shop_order delete ID
// --force=true`, in one WordPress boot and without an administrator login.

$work = getenv('CANARY_WORK_DIR') ?: '/work';
$marker = strtolower((string) getenv('CANARY_EMAIL'));
$shop = json_decode((string) @file_get_contents("$work/shop.json"), true);
$orderId = is_array($shop) && is_int($shop['order'] ?? null) ? $shop['order'] : 0;
$out = ['steps' => [], 'leftovers' => 0];

// A test order must not mail the shop owner "order cancelled".
add_filter('woocommerce_email_enabled_cancelled_order', '__return_false');

$isCanary = static fn ($order): bool => $order instanceof WC_Order && $marker !== ''
    && strtolower((string) $order->get_billing_email()) === $marker;

// Stock of the order's products that manage stock, read fresh from the database.
$stockOf = static function (WC_Order $order): array {
    $stock = [];
    foreach ($order->get_items() as $item) {
        $id = $item->get_variation_id() ?: $item->get_product_id();
        clean_post_cache($id);
        $product = wc_get_product($id);
        if ($product && $product->managing_stock()) {
            $stock[(string) $id] = (int) $product->get_stock_quantity();
        }
    }
    return $stock;
};

// Cancels (stock back) and deletes one canary order; returns [cancel step, delete step].
$undo = static function (int $id) use ($isCanary, $stockOf): array {
    $began = microtime(true);
    $order = wc_get_order($id);
    if (!$order) {
        return [['name' => 'cancel', 'ms' => 0, 'ok' => false, 'error' => "order $id not found"], null];
    }
    if (!$isCanary($order)) {
        return [['name' => 'cancel', 'ms' => 0, 'ok' => false,
            'error' => "order $id is not a canary order (another billing e-mail): left alone"], null];
    }
    $cancel = ['name' => 'cancel', 'ok' => true, 'from' => $order->get_status()];
    $stockBefore = $stockOf($order);
    try {
        // A draft or failed order never had its stock reduced unless WooCommerce says so.
        $reduced = (bool) $order->get_data_store()->get_stock_reduced($id);
        if ($order->get_status() !== 'cancelled'
            && ($reduced || !in_array($order->get_status(), ['checkout-draft', 'failed'], true))) {
            $order->update_status('cancelled', 'Urumi order canary: test order cancelled; stock restored.');
        }
        $order = wc_get_order($id);
        if ($order->get_data_store()->get_stock_reduced($id)) {
            $cancel['ok'] = false;
            $cancel['error'] = "order $id is cancelled, but WooCommerce still counts its stock as reduced";
        }
    } catch (Throwable $error) {
        $cancel['ok'] = false;
        $cancel['error'] = "cancelling order $id: " . $error->getMessage();
    }
    $cancel['stockBefore'] = $stockBefore;
    $cancel['stockAfter'] = $stockOf($order);
    $cancel['ms'] = (int) round((microtime(true) - $began) * 1000);
    if (!$cancel['ok']) {
        return [$cancel, null];
    }
    $began = microtime(true);
    $delete = ['name' => 'delete', 'ok' => true];
    try {
        $order->delete(true);
        if (wc_get_order($id)) {
            $delete['ok'] = false;
            $delete['error'] = "order $id still exists after the delete";
        }
    } catch (Throwable $error) {
        $delete['ok'] = false;
        $delete['error'] = "deleting order $id: " . $error->getMessage();
    }
    $delete['ms'] = (int) round((microtime(true) - $began) * 1000);
    return [$cancel, $delete];
};

if ($orderId > 0) {
    [$cancel, $delete] = $undo($orderId);
    $out['steps'][] = $cancel;
    if ($delete !== null) {
        $out['steps'][] = $delete;
    }
    WP_CLI::log(sprintf('[canary] order %d: cancel %s, delete %s', $orderId,
        $cancel['ok'] ? 'ok' : 'FAILED', $delete === null ? 'not run' : ($delete['ok'] ? 'ok' : 'FAILED')));
}

// Leftovers of earlier runs (and an order this run's checkout made but did not report).
$statuses = array_unique(array_merge(array_keys(wc_get_order_statuses()), ['wc-checkout-draft']));
$leftovers = wc_get_orders([
    'type' => 'shop_order',
    'billing_email' => (string) getenv('CANARY_EMAIL'),
    'status' => $statuses,
    'limit' => 20,
    'orderby' => 'date',
    'order' => 'ASC',
    'return' => 'ids',
]);
foreach ($leftovers as $id) {
    if ((int) $id === $orderId) {
        continue;
    }
    [$cancel, $delete] = $undo((int) $id);
    if ($cancel['ok'] && $delete !== null && $delete['ok']) {
        $out['leftovers']++;
        WP_CLI::log("[canary] removed the leftover canary order $id");
    } else {
        $out['leftoverError'] = $cancel['error'] ?? $delete['error'] ?? "leftover order $id";
        WP_CLI::warning("[canary] leftover canary order $id: " . $out['leftoverError']);
    }
}

file_put_contents("$work/cleanup.json", json_encode($out, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PARTIAL_OUTPUT_ON_ERROR) . "\n");
