import Foundation

/// Removes secrets from text that goes into a step's error (helm's output, a plugin's stderr):
/// the known secret values, `password=...`-like assignments, bearer tokens and JWTs.
public struct SecretRedactor: Sendable {
    /// Values that must never appear (e.g. passwords written to a values file).
    public var secrets: [String]

    public init(secrets: [String] = []) {
        self.secrets = secrets.filter { $0.count >= 4 }
    }

    private static let rules: [(NSRegularExpression, String)] = [
        // password=..., mysql-root-password: ..., client_secret="...", token=..., api-key=... (the
        // key must end with the word: `secret.yaml:3` and `tokenFile:` are left alone).
        (
            try! NSRegularExpression(
                pattern: #"(?i)\b([A-Za-z0-9_-]*(?:password|passwd|secret|token|api[-_]?key))("?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&"']+)"#),
            "$1$2<redacted>"
        ),
        (try! NSRegularExpression(pattern: #"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"#), "$1 <redacted>"),
        (try! NSRegularExpression(pattern: #"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"#), "<redacted-jwt>"),
        // URLs with credentials: scheme://user:pass@host
        (try! NSRegularExpression(pattern: #"(\w+://[^\s:/@]+):[^\s@/]+@"#), "$1:<redacted>@"),
    ]

    public func redact(_ text: String) -> String {
        var result = text
        for secret in secrets.sorted(by: { $0.count > $1.count }) {
            result = result.replacingOccurrences(of: secret, with: "<redacted>")
        }
        for (expression, template) in Self.rules {
            let range = NSRange(result.startIndex..., in: result)
            result = expression.stringByReplacingMatches(in: result, range: range, withTemplate: template)
        }
        return result
    }
}
