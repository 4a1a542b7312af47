<?php
// Exits 0 when the URL (argv[1]) answers with any HTTP status: the web server is up.
// Sent like the ingress controller sends it, so an https site does not redirect to https.
$proto = parse_url((string) getenv('SITE_URL'), PHP_URL_SCHEME) ?: 'http';
$context = stream_context_create(['http' => [
    'timeout' => 5,
    'ignore_errors' => true,
    'follow_location' => 0,
    'header' => "X-Forwarded-Proto: $proto\r\n",
]]);
$body = @file_get_contents($argv[1], false, $context);
$headers = function_exists('http_get_last_response_headers')
    ? http_get_last_response_headers()
    : ($http_response_header ?? null);
if (empty($headers)) {
    fwrite(STDERR, "no HTTP answer from {$argv[1]}\n");
    exit(1);
}
exit(0);
