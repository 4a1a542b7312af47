/// An error from the PostgreSQL layer.
///
/// Descriptions never carry the connection string (it may hold a password) nor parameter
/// values; they carry the server's message, SQLSTATE and constraint, which callers map to
/// their own errors.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in categories that can grow.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: String
        /// The connection could not be made or was lost.
        public static let connection = Code(raw: "connection")
        /// The server rejected a statement.
        public static let server = Code(raw: "server")
        /// A value could not be decoded into the requested Swift type.
        public static let decoding = Code(raw: "decoding")
        /// The pool or connection was closed.
        public static let closed = Code(raw: "closed")
        public var description: String { raw }
    }

    public var code: Code
    /// The primary message (from the server when `code == .server`).
    public var message: String
    /// Five-character SQLSTATE from the server, e.g. `23505` (unique violation).
    public var sqlState: String?
    /// The constraint named by the server, if any.
    public var constraint: String?
    /// The server's DETAIL line, if any.
    public var detail: String?

    public init(
        _ code: Code, _ message: String, sqlState: String? = nil, constraint: String? = nil,
        detail: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.constraint = constraint
        self.detail = detail
    }

    public var description: String {
        var text = "postgres \(code): \(message)"
        if let sqlState { text += " [\(sqlState)]" }
        return text
    }

    /// True for errors worth retrying on a fresh connection: a lost connection, or the server
    /// shutting down / not yet accepting (SQLSTATE classes 08 and 57P).
    public var isTransient: Bool {
        if code == .connection { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || sqlState.hasPrefix("57P") || sqlState == "53300"
    }
}
