import Crypto
import Foundation

/// Bearer tokens: `urumi_<name>_<64 hex digits of randomness>`.
///
/// Only a SHA-256 hash of the random part is stored; the name in the token finds the record
/// in one indexed read, and the hashes are compared in constant time.
public enum AccessToken {
    /// Names: 1-40 of `a-z 0-9 -`, starting with a letter or digit.
    public static func isValidName(_ name: String) -> Bool {
        guard (1...40).contains(name.utf8.count), let first = name.utf8.first, first != UInt8(ascii: "-") else { return false }
        return name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    /// A new token for `name`, and the hash to store.
    public static func generate(name: String) -> (token: String, hash: String) {
        let secret = randomHex(bytes: 32)
        return ("urumi_\(name)_\(secret)", hash(secret))
    }

    /// The name and secret of a well-formed token.
    public static func parse(_ token: String) -> (name: String, secret: String)? {
        guard token.hasPrefix("urumi_"), token.utf8.count > 6 + 1 + 64 else { return nil }
        let secret = String(token.suffix(64))
        let body = token.dropFirst(6).dropLast(64)
        guard body.hasSuffix("_"), secret.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else { return nil }
        let name = String(body.dropLast())
        guard isValidName(name) else { return nil }
        return (name, secret)
    }

    /// SHA-256 of the secret, hex.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two strings in time that depends only on their length.
    public static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// A random opaque value (sessions, CSRF), hex.
    public static func randomHex(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()  // getrandom(2): cryptographically secure
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
