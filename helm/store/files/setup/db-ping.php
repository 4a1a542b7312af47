<?php
// Exits 0 once the store's database accepts the WordPress user's login (the same host,
// user and password files as wp-config.php); otherwise prints why and exits 1.
mysqli_report(MYSQLI_REPORT_OFF);

$password = rtrim((string) @file_get_contents(getenv('WORDPRESS_DB_PASSWORD_FILE')), "\r\n");
$link = @mysqli_connect(
    getenv('WORDPRESS_DB_HOST'),
    getenv('WORDPRESS_DB_USER'),
    $password,
    getenv('WORDPRESS_DB_NAME')
);
if ($link === false) {
    fwrite(STDERR, 'database not reachable: ' . mysqli_connect_error() . "\n");
    exit(1);
}
mysqli_close($link);
exit(0);
