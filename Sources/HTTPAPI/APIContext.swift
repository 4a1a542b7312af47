import Auth
import Hummingbird
import NIOCore

/// The request context of every route: who is calling and from where.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthMiddleware`.
    public var identity: Identity?
    /// The peer's IP address (for sign-in rate limits).
    public let remoteAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The name events record as their actor.
    public var actor: String { identity?.name ?? "anonymous" }
}
