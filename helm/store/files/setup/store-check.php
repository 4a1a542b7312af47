<?php
// The setup's last step: the public WooCommerce Store API of the store (base URL argv[1])
// must list the product with SKU argv[2] (id argv[3]) as purchasable and in stock.
// `?rest_route=` works whatever the permalink settings and .htaccess are; `include` narrows
// the list to the product (were it ignored, the SKU is still looked for in the first page).
[$script, $base, $sku, $id] = $argv;
$url = rtrim($base, '/') . '/?rest_route=/wc/store/v1/products&per_page=100&include=' . (int) $id;

// Sent like the ingress controller sends it, so an https site does not redirect to https.
$proto = parse_url((string) getenv('SITE_URL'), PHP_URL_SCHEME) ?: 'http';
$context = stream_context_create(['http' => [
    'timeout' => 10,
    'ignore_errors' => true,
    'follow_location' => 0,
    'header' => "X-Forwarded-Proto: $proto\r\n",
]]);
$body = @file_get_contents($url, false, $context);
if ($body === false) {
    fwrite(STDERR, "Store API not reachable at $url\n");
    exit(1);
}
$products = json_decode($body, true);
if (!is_array($products) || !array_is_list($products)) {
    fwrite(STDERR, 'Store API answered something else than a product list: ' . substr($body, 0, 300) . "\n");
    exit(1);
}
foreach ($products as $product) {
    if (($product['sku'] ?? null) !== $sku) {
        continue;
    }
    $purchasable = ($product['is_purchasable'] ?? false) === true;
    $inStock = ($product['is_in_stock'] ?? false) === true;
    $prices = $product['prices'] ?? [];
    $price = isset($prices['price'])
        ? number_format(((int) $prices['price']) / (10 ** (int) ($prices['currency_minor_unit'] ?? 2)), 2, '.', '')
        : '?';
    printf("Store API: %s (id %d) price %s %s, purchasable %s, in stock %s\n",
        $sku, $product['id'] ?? 0, $price, $prices['currency_code'] ?? '',
        $purchasable ? 'yes' : 'no', $inStock ? 'yes' : 'no');
    exit($purchasable && $inStock ? 0 : 1);
}
fwrite(STDERR, "Store API does not list a product with SKU $sku\n");
exit(1);
