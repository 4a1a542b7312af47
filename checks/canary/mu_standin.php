<?php
// A stand-in for the WordPress hook API (add_filter, apply_filters with accepted_args) and for
// WC_Order's billing e-mail, so that the chart's must-use plugin files/canary/quiet-mail.php
// runs here as WordPress would load it, and WooCommerce's question "is this e-mail enabled?"
// can be asked the way WC_Email::is_enabled() asks it:
//   apply_filters('woocommerce_email_enabled_' . $id, 'yes' === $enabled, $this->object, $this)
// It is NOT WordPress: only what those two functions document (callbacks by priority, then in
// the order added; each gets the first accepted_args arguments; the value is threaded through).
//
//   php mu_standin.php PLUGIN < questions.json    prints the answers as JSON
//
// questions.json: {"registered": true} lists the hooks; otherwise [{"email": "new_order",
// "enabled": true, "order": {"billing_email": "..."} | null | "not an order"}, ...].

$GLOBALS['hooks'] = [];

function add_filter(string $hook, callable $callback, int $priority = 10, int $accepted_args = 1): bool
{
    $GLOBALS['hooks'][$hook][$priority][] = [$callback, $accepted_args];
    return true;
}

function apply_filters(string $hook, $value, ...$args)
{
    $byPriority = $GLOBALS['hooks'][$hook] ?? [];
    ksort($byPriority);
    foreach ($byPriority as $callbacks) {
        foreach ($callbacks as [$callback, $accepted]) {
            $value = $callback(...array_slice(array_merge([$value], $args), 0, $accepted));
        }
    }
    return $value;
}

class WC_Order
{
    public function __construct(private string $billingEmail)
    {
    }

    public function get_billing_email(): string
    {
        return $this->billingEmail;
    }
}

final class WC_Email
{
    public function __construct(public string $id)
    {
    }
}

require $argv[1];

$questions = json_decode((string) stream_get_contents(STDIN), true);
if (isset($questions['registered'])) {
    echo json_encode(array_keys($GLOBALS['hooks'])), "\n";
    exit(0);
}
$answers = [];
foreach ($questions as $question) {
    $order = $question['order'];
    $object = is_array($order) ? new WC_Order($order['billing_email']) : ($order === null ? null : (object) ['note' => $order]);
    $answers[] = apply_filters(
        'woocommerce_email_enabled_' . $question['email'], $question['enabled'], $object, new WC_Email($question['email']));
}
echo json_encode($answers), "\n";
