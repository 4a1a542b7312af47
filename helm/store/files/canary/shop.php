<?php
// Urumi order canary, step 1 of 2: shop like a customer through the public WooCommerce Store
// API of the store (init container `shop` of the canary pod, image wordpress:cli, PHP with the
// curl extension). It lists the products, puts one in-stock product into a cart and checks
// out with Cash on Delivery as the canary customer, then writes what happened to
// $CANARY_WORK_DIR/shop.json for step 2 (canary.sh: cancel, delete, report). It exits 0 when
// that file is written, also when the shop failed: the failure is the result.
//
// The requests are the documented ones, and the same as scripts/e2e-real-cluster's:
//   GET  products                  https://developer.woocommerce.com/docs/apis/store-api/resources-endpoints/products
//   GET  cart (Nonce, Cart-Token)  https://developer.woocommerce.com/docs/apis/store-api/resources-endpoints/cart
//   POST cart/add-item             (same page, "Add Item": {id, quantity}, answers the cart, 201)
//   POST cart/update-customer      (same page, "Update Customer": billing_address, shipping_address)
//   POST cart/select-shipping-rate (same page, only when no rate is selected yet)
//   POST checkout                  https://developer.woocommerce.com/docs/apis/store-api/resources-endpoints/checkout
//   Nonce header, renewed by every answer: https://developer.woocommerce.com/docs/apis/store-api/nonce-tokens
//   Cart-Token header:                     https://developer.woocommerce.com/docs/apis/store-api/cart-tokens
//   Errors are {"code", "message", "data": {"status"}}: https://developer.woocommerce.com/docs/apis/store-api/
// Routes go through `?rest_route=/wc/store/v1/...`, which works whatever the permalinks are.
//
// Environment (templates/canary-cronjob.yaml): CANARY_BASE_URL (the WordPress Service),
// CANARY_HOST (the store's domain, sent as Host), CANARY_SCHEME (sent as X-Forwarded-Proto, as
// the ingress controller does), CANARY_TIMEOUT_SECONDS (budget of all three steps),
// CANARY_PRODUCT_SKU (preferred product), CANARY_EMAIL (the canary customer, the marker of
// canary orders), CANARY_COUNTRY/STATE/ADDRESS/CITY/POSTCODE, CANARY_WORK_DIR, and
// URUMI_CANARY_ID or CANARY_JOB_NAME (the run's id). Nothing secret is read or printed; the cart
// token and nonce are never logged.
declare(strict_types=1);

/** A step did not do what a shopper needs; `status` is the HTTP status seen (0: no answer). */
final class StepFailed extends Exception
{
    public function __construct(string $reason, public readonly int $status = 0)
    {
        parent::__construct($reason);
    }
}

/** The Store API as one shopper's browser uses it: one cart, its Cart-Token, the newest Nonce. */
final class StoreApi
{
    private ?string $cartToken = null;
    private ?string $nonce = null;
    /** @var array<string, string> */
    private array $cookies = [];

    public function __construct(
        private readonly string $base,
        private readonly string $host,
        private readonly string $scheme,
        private readonly float $deadline,
        private readonly int $budgetSeconds,
    ) {
    }

    public function hasSession(): bool
    {
        return $this->cartToken !== null || $this->nonce !== null;
    }

    /**
     * One request; returns [HTTP status, decoded JSON body (null when not JSON)].
     * @param array<string, scalar> $query
     * @return array{int, mixed}
     */
    public function call(string $method, string $route, ?array $body = null, array $query = []): array
    {
        $left = (int) floor(($this->deadline - microtime(true)) * 1000);
        if ($left <= 0) {
            throw new StepFailed("timeout: the {$this->budgetSeconds}s budget ran out before $method $route");
        }
        $url = rtrim($this->base, '/') . '/?' . http_build_query(['rest_route' => "/wc/store/v1/$route"] + $query);
        $headers = [
            "Host: {$this->host}",
            "X-Forwarded-Proto: {$this->scheme}",
            'Accept: application/json',
            'User-Agent: UrumiOrderCanary/1',
            'Expect:',
        ];
        if ($body !== null) {
            $headers[] = 'Content-Type: application/json';
        }
        if ($this->cartToken !== null) {
            $headers[] = "Cart-Token: {$this->cartToken}";
        }
        if ($this->nonce !== null) {
            $headers[] = "Nonce: {$this->nonce}";
        }
        if ($this->cookies) {
            $pairs = [];
            foreach ($this->cookies as $name => $value) {
                $pairs[] = "$name=$value";
            }
            $headers[] = 'Cookie: ' . implode('; ', $pairs);
        }
        $answer = [];
        $curl = curl_init($url);
        curl_setopt_array($curl, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => $headers,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_NOSIGNAL => true,
            // The whole request, connection included, within what is left of the budget.
            CURLOPT_TIMEOUT_MS => $left,
            CURLOPT_CONNECTTIMEOUT_MS => min($left, 10000),
            CURLOPT_HEADERFUNCTION => static function ($curl, string $line) use (&$answer): int {
                $parts = explode(':', $line, 2);
                if (count($parts) === 2) {
                    $answer[] = [strtolower(trim($parts[0])), trim($parts[1])];
                }
                return strlen($line);
            },
        ]);
        if ($body !== null) {
            curl_setopt($curl, CURLOPT_POSTFIELDS, json_encode($body, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR));
        }
        $text = curl_exec($curl);
        if ($text === false) {
            $timedOut = curl_errno($curl) === CURLE_OPERATION_TIMEDOUT;
            $error = curl_error($curl);
            curl_close($curl);
            throw new StepFailed($timedOut
                ? "timeout: no answer to $method $route within the {$this->budgetSeconds}s budget"
                : "no answer to $method $route: $error");
        }
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        curl_close($curl);
        foreach ($answer as [$name, $value]) {
            if ($name === 'cart-token' && $value !== '') {
                $this->cartToken = $value;
            } elseif (($name === 'nonce' || $name === 'x-wc-store-api-nonce') && $value !== '') {
                // Every answer renews the nonce; the next request must send the newest.
                $this->nonce = $value;
            } elseif ($name === 'set-cookie') {
                $pair = explode('=', explode(';', $value, 2)[0], 2);
                if (count($pair) === 2 && trim($pair[0]) !== '') {
                    $this->cookies[trim($pair[0])] = trim($pair[1]);
                }
            }
        }
        $decoded = json_decode((string) $text, true);
        return [$status, $decoded === null && trim((string) $text) !== 'null' ? (string) $text : $decoded];
    }
}

/** "HTTP 400 woocommerce_rest_product_out_of_stock: You cannot add ..." from an error answer. */
function describe(int $status, mixed $body): string
{
    if (is_array($body) && isset($body['code'])) {
        $message = trim(html_entity_decode(strip_tags((string) ($body['message'] ?? '')), ENT_QUOTES));
        return "HTTP $status {$body['code']}: $message";
    }
    $text = is_string($body) ? trim(strip_tags($body)) : json_encode($body);
    return "HTTP $status: " . cut((string) preg_replace('/\s+/', ' ', (string) $text), 160);
}

/** At most $bytes bytes of $text, never cutting a UTF-8 character (json_encode would drop it). */
function cut(string $text, int $bytes): string
{
    $text = substr($text, 0, $bytes);
    while ($text !== '' && !preg_match('//u', $text)) {
        $text = substr($text, 0, -1);
    }
    return $text;
}

function say(string $message): void
{
    fwrite(STDOUT, sprintf("[canary %s] %s\n", gmdate('H:i:s'), $message));
}

function env(string $name, string $default = ''): string
{
    $value = getenv($name);
    return $value === false || $value === '' ? $default : $value;
}

$canaryId = env('URUMI_CANARY_ID', env('CANARY_JOB_NAME', 'manual'));
$work = env('CANARY_WORK_DIR', '/work');
$budget = max(1, (int) env('CANARY_TIMEOUT_SECONDS', '120'));
$email = env('CANARY_EMAIL', 'urumi-canary@canary.urumi.invalid');
$result = ['steps' => [], 'order' => null, 'product' => null, 'latencyMs' => 0];
$resultFile = "$work/shop.json";
$started = microtime(true);

// Whatever happens (even a PHP error), step 2 finds a result.
register_shutdown_function(static function () use (&$result, $resultFile, $started): void {
    $error = error_get_last();
    if (!isset($result['written'])) {
        if (!isset($result['outcome'])) {
            $result['outcome'] = 'failed';
            $result['reason'] = 'the shopping step stopped: ' . ($error['message'] ?? 'unknown error');
            $result['failedStep'] = $result['failedStep'] ?? 'products';
        }
        $result['latencyMs'] = (int) round((microtime(true) - $started) * 1000);
        file_put_contents($resultFile, json_encode($result, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PARTIAL_OUTPUT_ON_ERROR) . "\n");
    }
});

if (!extension_loaded('curl')) {
    $result += ['outcome' => 'failed', 'failedStep' => 'products', 'reason' => 'PHP has no curl extension'];
    exit(0);
}
$api = new StoreApi(env('CANARY_BASE_URL'), env('CANARY_HOST'), env('CANARY_SCHEME', 'https'), $started + $budget, $budget);

/**
 * Runs one step and records its name, time and the HTTP status of its last request.
 * @param callable(callable(string, string, ?array, array): array): void $body gets a `request` function
 */
function step(string $name, StoreApi $api, array &$result, callable $body): void
{
    $began = microtime(true);
    $last = 0;
    $request = static function (string $method, string $route, ?array $payload = null, array $query = []) use ($api, &$last): array {
        $last = 0;  // a request without an answer (timeout) shows status 0
        [$status, $json] = $api->call($method, $route, $payload, $query);
        $last = $status;
        return [$status, $json];
    };
    try {
        $body($request);
    } catch (StepFailed $failure) {
        $ms = (int) round((microtime(true) - $began) * 1000);
        $result['steps'][] = ['name' => $name, 'ms' => $ms, 'status' => $failure->status ?: $last, 'ok' => false];
        throw new StepFailed("$name: " . $failure->getMessage(), $failure->status ?: $last);
    } catch (Throwable $error) {
        // An answer of an unexpected shape (a TypeError, say) fails this step, not the one before.
        $ms = (int) round((microtime(true) - $began) * 1000);
        $result['steps'][] = ['name' => $name, 'ms' => $ms, 'status' => $last, 'ok' => false];
        throw new StepFailed("$name: the answer could not be read: " . cut($error->getMessage(), 300), $last);
    }
    $ms = (int) round((microtime(true) - $began) * 1000);
    $result['steps'][] = ['name' => $name, 'ms' => $ms, 'status' => $last, 'ok' => true];
    say("$name: HTTP $last in {$ms} ms");
}

$preferredSku = env('CANARY_PRODUCT_SKU');
$address = [
    'first_name' => 'Urumi',
    'last_name' => 'Canary',
    'company' => 'Urumi order canary (automated test order, deleted automatically)',
    'address_1' => env('CANARY_ADDRESS', '1 Canary Street'),
    'address_2' => '',
    'city' => env('CANARY_CITY', 'Canary City'),
    'state' => env('CANARY_STATE'),
    'postcode' => env('CANARY_POSTCODE'),
    'country' => env('CANARY_COUNTRY', 'US'),
    'phone' => '5555550100',
];
$billing = $address + ['email' => $email];
$product = null;

try {
    step('products', $api, $result, static function (callable $request) use (&$product, &$result, $preferredSku): void {
        // GET /wc/store/v1/products: https://developer.woocommerce.com/docs/apis/store-api/resources-endpoints/products
        [$status, $products] = $request('GET', 'products', null, ['per_page' => 100]);
        if ($status !== 200 || !is_array($products) || !array_is_list($products)) {
            throw new StepFailed('listing the products failed: ' . describe($status, $products), $status);
        }
        // The sample product first; otherwise any simple product a customer can buy now.
        $buyable = static fn ($p): bool => is_array($p) && ($p['is_purchasable'] ?? false) === true
            && ($p['is_in_stock'] ?? false) === true && ($p['type'] ?? 'simple') === 'simple' && is_int($p['id'] ?? null);
        foreach ($products as $candidate) {
            if ($buyable($candidate) && $preferredSku !== '' && ($candidate['sku'] ?? null) === $preferredSku) {
                $product = $candidate;
                break;
            }
        }
        $product ??= array_values(array_filter($products, $buyable))[0] ?? null;
        if ($product === null) {
            throw new StepFailed(sprintf('no purchasable, in-stock simple product among the %d listed', count($products)), $status);
        }
        $result['product'] = $product['id'];
    });

    step('add-item', $api, $result, static function (callable $request) use (&$product, $api): void {
        // The cart first: its answer carries the Nonce and Cart-Token the writes need.
        // https://developer.woocommerce.com/docs/apis/store-api/resources-endpoints/cart ("Get Cart"),
        // https://developer.woocommerce.com/docs/apis/store-api/nonce-tokens, .../cart-tokens
        [$status, $cart] = $request('GET', 'cart');
        if ($status !== 200 || !$api->hasSession()) {
            throw new StepFailed('GET cart gave no Nonce or Cart-Token: ' . describe($status, $cart), $status);
        }
        // POST /cart/add-item {id, quantity}: the same page, "Add Item" (answers the cart, 201).
        [$status, $cart] = $request('POST', 'cart/add-item', ['id' => $product['id'], 'quantity' => 1]);
        if (($status !== 201 && $status !== 200) || !is_array($cart)) {
            throw new StepFailed('adding the product failed: ' . describe($status, $cart), $status);
        }
        $inCart = array_filter($cart['items'] ?? [], static fn ($item) => ($item['id'] ?? null) === $product['id']);
        if (!$inCart) {
            throw new StepFailed("the cart does not hold product {$product['id']} after add-item", $status);
        }
    });

    step('checkout', $api, $result, static function (callable $request) use (&$result, $address, $billing, $canaryId): void {
        // POST /cart/update-customer: the cart page, "Update Customer" (the rates follow the address).
        [$status, $cart] = $request('POST', 'cart/update-customer', ['billing_address' => $billing, 'shipping_address' => $address]);
        if ($status !== 200 || !is_array($cart)) {
            throw new StepFailed('update-customer failed: ' . describe($status, $cart), $status);
        }
        if (($cart['needs_shipping'] ?? false) === true) {
            $package = $cart['shipping_rates'][0] ?? null;
            $rates = is_array($package) ? ($package['shipping_rates'] ?? []) : [];
            if (!$rates) {
                throw new StepFailed('no shipping rate for the canary address', $status);
            }
            // POST /cart/select-shipping-rate {package_id, rate_id}: the cart page, "Select Shipping Rate".
            if (!array_filter($rates, static fn ($rate) => ($rate['selected'] ?? false) === true)) {
                [$status, $cart] = $request('POST', 'cart/select-shipping-rate',
                    ['package_id' => $package['package_id'] ?? 0, 'rate_id' => $rates[0]['rate_id'] ?? '']);
                if ($status !== 200) {
                    throw new StepFailed('select-shipping-rate failed: ' . describe($status, $cart), $status);
                }
            }
        }
        // POST /checkout {billing_address, shipping_address, payment_method, customer_note}:
        // https://developer.woocommerce.com/docs/apis/store-api/resources-endpoints/checkout ("Process Order and Payment")
        [$status, $order] = $request('POST', 'checkout', [
            'billing_address' => $billing,
            'shipping_address' => $address,
            'payment_method' => 'cod',
            'customer_note' => "Urumi order canary $canaryId: an automated test order, cancelled and deleted right away.",
        ]);
        if (is_array($order) && is_int($order['order_id'] ?? null) && $order['order_id'] > 0) {
            $result['order'] = $order['order_id'];
        }
        if ($status !== 200 || !is_array($order)) {
            throw new StepFailed('the checkout was refused: ' . describe($status, $order), $status);
        }
        $payment = $order['payment_result']['payment_status'] ?? null;
        if ($result['order'] === null || $payment !== 'success') {
            throw new StepFailed(sprintf('the checkout answered order %s, payment %s, status %s',
                json_encode($order['order_id'] ?? null), json_encode($payment), json_encode($order['status'] ?? null)), $status);
        }
        say("order {$result['order']} placed, status " . ($order['status'] ?? '?'));
    });
    $result['outcome'] = 'passed';
} catch (StepFailed $failure) {
    $result['outcome'] = 'failed';
    $result['failedStep'] = end($result['steps'])['name'] ?? 'products';
    $result['reason'] = cut($failure->getMessage(), 600);
    say('FAILED ' . $result['reason']);
} catch (Throwable $error) {
    $result['outcome'] = 'failed';
    $result['failedStep'] = end($result['steps'])['name'] ?? 'products';
    $result['reason'] = 'the shopping step broke: ' . cut($error->getMessage(), 400);
    say('FAILED ' . $result['reason']);
}

$result['latencyMs'] = (int) round((microtime(true) - $started) * 1000);
$written = file_put_contents($resultFile, json_encode($result, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PARTIAL_OUTPUT_ON_ERROR) . "\n");
$result['written'] = $written !== false;
say("shopping {$result['outcome']} in {$result['latencyMs']} ms");
exit(0);
