import Foundation

/// A statement with its parameters. Built by string interpolation: every interpolated value
/// becomes a `$n` placeholder and travels as a bound parameter, never as SQL text.
///
/// ```swift
/// let rows = try await conn.query("select * from events where stream_id = \(stream)")
/// ```
/// Raw SQL text can only enter through ``init(unsafeSQL:)``, or interpolation with
/// `\(unsafeRaw:)`, which make the risk visible at the call site.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var sql: String
    public private(set) var binds: [String?]

    /// Raw SQL with no parameters. Never build this from input.
    public init(unsafeSQL sql: String, binds: [String?] = []) {
        self.sql = sql
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
    }

    /// The statement text only; parameters are not printed (they may be secrets).
    public var description: String { sql }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [String?] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// Binds a value as the next `$n` parameter.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            binds.append(value.postgresText)
            sql += "$\(binds.count)"
        }

        /// Binds an optional value; `nil` is SQL NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            binds.append(value?.postgresText)
            sql += "$\(binds.count)"
        }

        /// Inserts SQL text as is. Only for identifiers and fragments the code controls.
        public mutating func appendInterpolation(unsafeRaw text: String) {
            sql += text
        }
    }
}
