import Auth

/// How the API authenticates.
public enum AuthSettings: Sendable {
    /// No authentication (local development only): everyone is `anonymous` with the admin role.
    case none
    /// Bearer tokens, and session cookies for the dashboard.
    case tokens(registry: TokenRegistry, sessions: any SessionStore, secureCookies: Bool)

    var mode: String {
        switch self {
        case .none: "none"
        case .tokens: "tokens"
        }
    }
}
