-- Customer personal data scrub: restore.sh runs it after the import when URUMI_SCRUB=true
-- (a clone for testing, a support copy). Blocks start with "-- requires: TABLE..." and run
-- only when all those tables exist; everything before the first block is not run.
--
-- Customers are the users whose role is customer and nothing more (the administrator, shop
-- managers and editors are never touched), and every guest in the order tables. E-mails
-- become <kind>-<id>@scrubbed.invalid (.invalid never resolves, RFC 2606), first names
-- "Customer", last names the record's id; addresses, phones, companies, IP addresses, user
-- agents and customer notes become empty. Countries and states stay (taxes, shipping zones
-- and reports still make sense), and so do orders, their items, totals, statuses and dates.
-- Table prefix: wp_ (the chart's WordPress image default).

-- requires: wp_users wp_usermeta
CREATE TEMPORARY TABLE urumi_scrub_customers (ID BIGINT UNSIGNED NOT NULL PRIMARY KEY)
  SELECT DISTINCT u.ID FROM wp_users u
  JOIN wp_usermeta m ON m.user_id = u.ID AND m.meta_key = 'wp_capabilities'
  WHERE m.meta_value LIKE '%"customer"%'
    AND m.meta_value NOT REGEXP '"(administrator|shop_manager|editor|author|contributor)"';

UPDATE wp_users SET
    user_login = CONCAT('customer-', ID),
    user_nicename = CONCAT('customer-', ID),
    user_email = CONCAT('customer-', ID, '@scrubbed.invalid'),
    user_url = '',
    display_name = CONCAT('Customer ', ID),
    user_pass = '',
    user_activation_key = ''
  WHERE ID IN (SELECT ID FROM urumi_scrub_customers);

UPDATE wp_usermeta SET meta_value = CASE
    WHEN meta_key = 'billing_email' THEN CONCAT('customer-', user_id, '@scrubbed.invalid')
    WHEN meta_key = 'nickname' THEN CONCAT('customer-', user_id)
    WHEN meta_key IN ('first_name', 'billing_first_name', 'shipping_first_name') THEN 'Customer'
    WHEN meta_key IN ('last_name', 'billing_last_name', 'shipping_last_name') THEN CAST(user_id AS CHAR)
    WHEN meta_key IN ('billing_country', 'shipping_country', 'billing_state', 'shipping_state') THEN meta_value
    ELSE '' END
  WHERE user_id IN (SELECT ID FROM urumi_scrub_customers)
    AND (meta_key IN ('first_name', 'last_name', 'nickname', 'description')
         OR meta_key LIKE 'billing\_%' OR meta_key LIKE 'shipping\_%');

-- Login sessions hold IP addresses and browsers.
DELETE FROM wp_usermeta
  WHERE user_id IN (SELECT ID FROM urumi_scrub_customers) AND meta_key = 'session_tokens';

-- requires: wp_posts wp_postmeta
-- Orders stored as posts (legacy, or HPOS's synchronised copy).
UPDATE wp_postmeta pm JOIN wp_posts p ON p.ID = pm.post_id SET pm.meta_value = CASE
    WHEN pm.meta_key = '_billing_email' THEN CONCAT('order-', pm.post_id, '@scrubbed.invalid')
    WHEN pm.meta_key IN ('_billing_first_name', '_shipping_first_name') THEN 'Customer'
    WHEN pm.meta_key IN ('_billing_last_name', '_shipping_last_name') THEN CAST(pm.post_id AS CHAR)
    WHEN pm.meta_key IN ('_billing_country', '_shipping_country', '_billing_state', '_shipping_state') THEN pm.meta_value
    ELSE '' END
  WHERE p.post_type IN ('shop_order', 'shop_order_refund', 'shop_order_placehold', 'shop_subscription')
    AND (pm.meta_key LIKE '\_billing\_%' OR pm.meta_key LIKE '\_shipping\_%'
         OR pm.meta_key IN ('_customer_ip_address', '_customer_user_agent'));

-- The customer's note on a legacy order.
UPDATE wp_posts SET post_excerpt = ''
  WHERE post_type IN ('shop_order', 'shop_order_refund', 'shop_order_placehold', 'shop_subscription');

-- requires: wp_wc_orders
UPDATE wp_wc_orders SET
    billing_email = IF(billing_email IS NULL OR billing_email = '', billing_email,
                       CONCAT('order-', id, '@scrubbed.invalid')),
    ip_address = '',
    user_agent = '',
    customer_note = '';

-- requires: wp_wc_order_addresses
UPDATE wp_wc_order_addresses SET
    first_name = 'Customer',
    last_name = CAST(order_id AS CHAR),
    company = '',
    address_1 = '',
    address_2 = '',
    city = '',
    postcode = '',
    email = IF(email IS NULL OR email = '', email, CONCAT('order-', order_id, '@scrubbed.invalid')),
    phone = '';

-- requires: wp_wc_orders_meta
UPDATE wp_wc_orders_meta SET meta_value = ''
  WHERE meta_key IN ('_billing_address_index', '_shipping_address_index',
                     '_customer_ip_address', '_customer_user_agent');

-- requires: wp_wc_customer_lookup wp_users wp_usermeta
UPDATE wp_wc_customer_lookup SET
    username = IF(user_id IS NULL, '', CONCAT('customer-', user_id)),
    first_name = 'Customer',
    last_name = CAST(customer_id AS CHAR),
    email = CONCAT('customer-', customer_id, '@scrubbed.invalid'),
    postcode = '',
    city = ''
  WHERE user_id IS NULL OR user_id IN (SELECT ID FROM urumi_scrub_customers);

-- requires: wp_comments wp_users wp_usermeta
-- Reviews and comments by customers and guests (order notes are the shop's own).
UPDATE wp_comments SET
    comment_author = 'Customer',
    comment_author_email = CONCAT('comment-', comment_ID, '@scrubbed.invalid'),
    comment_author_url = '',
    comment_author_IP = '',
    comment_agent = ''
  WHERE comment_type NOT IN ('order_note', 'webhook_delivery', 'action_log')
    AND (user_id = 0 OR user_id IN (SELECT ID FROM urumi_scrub_customers));

-- requires: wp_woocommerce_sessions
-- Carts and checkout forms of visitors.
DELETE FROM wp_woocommerce_sessions;

-- requires: wp_woocommerce_downloadable_product_permissions
UPDATE wp_woocommerce_downloadable_product_permissions
  SET user_email = CONCAT('order-', order_id, '@scrubbed.invalid');

-- requires: wp_wc_download_log
UPDATE wp_wc_download_log SET user_ip_address = '';

-- requires: wp_woocommerce_payment_tokens wp_woocommerce_payment_tokenmeta
-- Saved cards point at real customers of a payment provider: a copy must not charge them.
DELETE FROM wp_woocommerce_payment_tokenmeta;
DELETE FROM wp_woocommerce_payment_tokens;

-- requires: wp_users wp_usermeta
DROP TEMPORARY TABLE urumi_scrub_customers;
