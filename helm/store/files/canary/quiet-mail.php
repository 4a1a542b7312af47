<?php
/**
 * Plugin Name: Urumi order canary: no e-mail for test orders
 * Description: The order canary's orders send no WooCommerce e-mail (shipped by the Urumi store chart).
 *
 * A must-use plugin, mounted read-only into wp-content/mu-plugins of the WordPress pod while the
 * order canary is on (templates/wordpress-deployment.yaml). The canary places a real Cash on
 * Delivery order every run and cancels it at once: without this, WooCommerce mails the shop
 * owner "new order" (and "cancelled order", "failed order") each time, and the canary customer
 * (an address on the reserved .invalid domain) "processing", "on hold" or "completed".
 *
 * WooCommerce asks `woocommerce_email_enabled_{id}` before sending each e-mail (WC_Email::
 * is_enabled(), with the e-mail's object, here the order, as the second argument). For an order
 * whose billing e-mail is the canary's marker (CANARY_EMAIL, set on the WordPress container
 * from the same chart value as the canary's) the answer is "no"; every other order, and every
 * e-mail that is not about an order, keeps whatever the shop's settings say.
 */

if (!function_exists('add_filter')) {
    return; // Not loaded by WordPress.
}

/** True when $order is an order of the canary customer `$marker` (case-insensitive). */
function urumi_canary_is_canary_order($order, string $marker): bool
{
    return $marker !== '' && is_object($order) && class_exists('WC_Order') && $order instanceof WC_Order
        && strtolower(trim((string) $order->get_billing_email())) === $marker;
}

(static function (): void {
    $marker = strtolower(trim((string) getenv('CANARY_EMAIL')));
    if ($marker === '') {
        return;
    }
    // The e-mails WooCommerce sends for an order placed, cancelled or failed at checkout.
    $emails = ['new_order', 'cancelled_order', 'failed_order',
        'customer_on_hold_order', 'customer_processing_order', 'customer_completed_order'];
    foreach ($emails as $id) {
        add_filter("woocommerce_email_enabled_$id", static function ($enabled, $order = null) use ($marker) {
            return urumi_canary_is_canary_order($order, $marker) ? false : $enabled;
        }, 10, 2);
    }
})();
