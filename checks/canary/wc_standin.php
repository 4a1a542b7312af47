<?php
// A stand-in for the few WordPress/WooCommerce calls the canary's cleanup.php makes, so that
// its own logic (only canary orders, cancel before delete, stock back, leftovers, the result
// file) runs here, where no WordPress can. It is NOT WooCommerce: it copies only what
// WooCommerce documents for these calls — a status change to "cancelled" puts back the stock
// of an order whose stock was reduced (wc_maybe_increase_stock_levels), delete(true) removes
// the order for good, wc_get_orders() filters by billing_email/status/type. The real thing is
// exercised by scripts/e2e-real-cluster on a cluster.
//
//   php wc_standin.php cleanup.php      with STANDIN_STATE=state.json (read, then written back)
//
// state.json: {"products": {"42": {"stock": 99}}, "orders": {"1001": {"status": "processing",
// "billing_email": "...", "items": {"42": 1}, "stock_reduced": true}}, "break": "restore"|"delete"|null}
// ("break" makes the stand-in misbehave: the stock is not put back, or the delete does nothing).

$GLOBALS['standin'] = json_decode((string) file_get_contents(getenv('STANDIN_STATE')), true);
$GLOBALS['standin']['filters'] = [];
register_shutdown_function(static function (): void {
    file_put_contents(getenv('STANDIN_STATE'), json_encode($GLOBALS['standin'], JSON_PRETTY_PRINT));
});

function add_filter(string $hook, $callback): void
{
    $GLOBALS['standin']['filters'][] = $hook;
}

function clean_post_cache($id): void
{
}

final class WP_CLI
{
    public static function log(string $message): void
    {
        echo $message, "\n";
    }

    public static function warning(string $message): void
    {
        echo "Warning: $message\n";
    }
}

final class StandinItem
{
    public function __construct(private int $productId)
    {
    }

    public function get_product_id(): int
    {
        return $this->productId;
    }

    public function get_variation_id(): int
    {
        return 0;
    }
}

final class StandinProduct
{
    public function __construct(private int $id)
    {
    }

    public function managing_stock(): bool
    {
        return isset($GLOBALS['standin']['products'][(string) $this->id]['stock']);
    }

    public function get_stock_quantity(): ?int
    {
        return $GLOBALS['standin']['products'][(string) $this->id]['stock'] ?? null;
    }
}

final class StandinDataStore
{
    public function get_stock_reduced($id): bool
    {
        return (bool) ($GLOBALS['standin']['orders'][(string) $id]['stock_reduced'] ?? false);
    }
}

class WC_Order
{
    public function __construct(private int $id)
    {
    }

    private function &row(): array
    {
        return $GLOBALS['standin']['orders'][(string) $this->id];
    }

    public function get_id(): int
    {
        return $this->id;
    }

    public function get_status(): string
    {
        return $this->row()['status'];
    }

    public function get_billing_email(): string
    {
        return $this->row()['billing_email'];
    }

    public function get_items(): array
    {
        $items = [];
        foreach ($this->row()['items'] as $productId => $quantity) {
            $items[] = new StandinItem((int) $productId);
        }
        return $items;
    }

    public function get_data_store(): StandinDataStore
    {
        return new StandinDataStore();
    }

    public function update_status(string $status, string $note = ''): void
    {
        $row = &$this->row();
        $row['status'] = $status;
        $row['notes'][] = $note;
        if ($status === 'cancelled' && $row['stock_reduced'] && ($GLOBALS['standin']['break'] ?? null) !== 'restore') {
            foreach ($row['items'] as $productId => $quantity) {
                $GLOBALS['standin']['products'][(string) $productId]['stock'] += $quantity;
            }
            $row['stock_reduced'] = false;
        }
    }

    public function delete(bool $force = false): bool
    {
        if (($GLOBALS['standin']['break'] ?? null) === 'delete') {
            return false;
        }
        if ($force) {
            unset($GLOBALS['standin']['orders'][(string) $this->id]);
        } else {
            $this->row()['status'] = 'trash';
        }
        return true;
    }
}

function wc_get_order($id)
{
    return isset($GLOBALS['standin']['orders'][(string) $id]) ? new WC_Order((int) $id) : false;
}

function wc_get_product($id)
{
    return isset($GLOBALS['standin']['products'][(string) $id]) ? new StandinProduct((int) $id) : false;
}

function wc_get_order_statuses(): array
{
    $names = ['pending', 'processing', 'on-hold', 'completed', 'cancelled', 'refunded', 'failed'];
    return array_combine(array_map(static fn ($s) => "wc-$s", $names), $names);
}

function wc_get_orders(array $args): array
{
    $statuses = array_map(static fn ($s) => preg_replace('/^wc-/', '', $s), (array) $args['status']);
    $found = [];
    foreach ($GLOBALS['standin']['orders'] as $id => $row) {
        if (($args['type'] ?? 'shop_order') === 'shop_order' && in_array($row['status'], $statuses, true)
            && strcasecmp($row['billing_email'], $args['billing_email']) === 0) {
            $found[] = (int) $id;
        }
    }
    sort($found);  // oldest first: ids grow with time here
    return array_slice($found, 0, $args['limit'] ?? 10);
}

// Like `wp eval-file`: the file runs inside a function, WordPress "loaded".
(static function (string $file): void {
    include $file;
})($argv[1]);
