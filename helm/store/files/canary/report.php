<?php
// Urumi order canary, the last word (run by canary.sh): joins the shopping step's
// $CANARY_WORK_DIR/shop.json and the cleanup's cleanup.json into the canary's result, one
// line of JSON (under 4096 bytes, the kubelet's limit), written to the container's
// termination message ($CANARY_TERMINATION_LOG, default /dev/termination-log) and printed.
// Exit 0 when the canary passed, 1 when it failed. README "The order canary" has the contract:
//   {"canary": ID, "outcome": "passed"|"failed", "latencyMs": N,
//    "steps": [{"name": "products"|"add-item"|"checkout", "ms": N, "status": HTTP, "ok": B},
//              {"name": "cancel"|"delete", "ms": N, "ok": B}, ...],
//    "order": ID|null, "product": ID|null, "leftovers": N,
//    "failedStep": NAME, "reason": TEXT}            (the last two only when failed)
declare(strict_types=1);

$work = getenv('CANARY_WORK_DIR') ?: '/work';
$skipCleanup = getenv('CANARY_SKIP_CLEANUP') === '1';
$target = getenv('CANARY_TERMINATION_LOG') ?: '/dev/termination-log';
$id = getenv('URUMI_CANARY_ID') ?: (getenv('CANARY_JOB_NAME') ?: 'manual');

$read = static function (string $name) use ($work): ?array {
    $text = @file_get_contents("$work/$name");
    $json = $text === false ? null : json_decode($text, true);
    return is_array($json) ? $json : null;
};
$shop = $read('shop.json');
$cleanup = $skipCleanup ? null : $read('cleanup.json');

$result = [
    'canary' => (string) $id,
    'outcome' => 'passed',
    'latencyMs' => (int) ($shop['latencyMs'] ?? 0),
    'steps' => [],
    'order' => is_int($shop['order'] ?? null) ? $shop['order'] : null,
    'product' => is_int($shop['product'] ?? null) ? $shop['product'] : null,
    'leftovers' => (int) ($cleanup['leftovers'] ?? 0),
];
$failures = [];  // [step, reason], the first one names the failed step
foreach ($shop['steps'] ?? [] as $step) {
    $result['steps'][] = [
        'name' => (string) ($step['name'] ?? '?'),
        'ms' => (int) ($step['ms'] ?? 0),
        'status' => (int) ($step['status'] ?? 0),
        'ok' => ($step['ok'] ?? false) === true,
    ];
}
if ($shop === null) {
    $failures[] = ['products', 'the shopping step left no result'];
} elseif (($shop['outcome'] ?? '') !== 'passed') {
    $failures[] = [(string) ($shop['failedStep'] ?? 'products'), (string) ($shop['reason'] ?? 'the shopping failed')];
}

if ($skipCleanup) {
    if ($result['order'] !== null) {
        foreach (['cancel', 'delete'] as $name) {
            $result['steps'][] = ['name' => $name, 'ms' => 0, 'ok' => true, 'skipped' => true];
        }
    }
} elseif ($cleanup === null) {
    $log = trim((string) @file_get_contents("$work/cleanup.log"));
    $lines = $log === '' ? [] : preg_split('/\R/', $log);
    $failures[] = ['cancel', 'the cleanup (WP-CLI) left no result: ' . ($lines ? end($lines) : 'no output')];
    if ($result['order'] !== null) {
        $result['steps'][] = ['name' => 'cancel', 'ms' => 0, 'ok' => false];
    }
} else {
    foreach ($cleanup['steps'] ?? [] as $step) {
        $entry = ['name' => (string) ($step['name'] ?? '?'), 'ms' => (int) ($step['ms'] ?? 0), 'ok' => ($step['ok'] ?? false) === true];
        foreach (['stockBefore', 'stockAfter'] as $key) {
            if (isset($step[$key]) && is_array($step[$key])) {
                $entry[$key] = $step[$key];
            }
        }
        $result['steps'][] = $entry;
        if (!$entry['ok']) {
            $failures[] = [$entry['name'], (string) ($step['error'] ?? "{$entry['name']} failed")];
        }
    }
    if ($result['order'] !== null && !array_filter($result['steps'], static fn ($s) => $s['name'] === 'delete' && $s['ok'])
        && !array_filter($failures, static fn ($f) => in_array($f[0], ['cancel', 'delete'], true))) {
        $failures[] = ['cancel', "order {$result['order']} was not cancelled and deleted"];
    }
    if (isset($cleanup['leftoverError'])) {
        $failures[] = ['delete', 'a leftover canary order: ' . $cleanup['leftoverError']];
    }
}

if ($failures) {
    $result['outcome'] = 'failed';
    $result['failedStep'] = $failures[0][0];
    $result['reason'] = implode('; ', array_map(static fn ($f) => $f[1], $failures));
}

// The kubelet keeps at most 4096 bytes of a termination message: shorten what can be.
$encode = static fn (array $r): string => json_encode($r, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PARTIAL_OUTPUT_ON_ERROR);
$line = $encode($result);
if (strlen($line) > 4000 && isset($result['reason'])) {
    $short = substr($result['reason'], 0, 300);
    while ($short !== '' && !preg_match('//u', $short)) {
        $short = substr($short, 0, -1);  // not in the middle of a UTF-8 character
    }
    $result['reason'] = $short . '...';
    $line = $encode($result);
}
if (strlen($line) > 4000) {
    foreach ($result['steps'] as &$step) {
        unset($step['stockBefore'], $step['stockAfter']);
    }
    unset($step);
    $line = $encode($result);
}

if (@file_put_contents($target, $line) === false) {
    fwrite(STDERR, "[canary] cannot write the termination message to $target\n");
}
fwrite(STDOUT, $line . "\n");
exit($result['outcome'] === 'passed' ? 0 : 1);
