/// The Kubernetes configuration cannot be used (no kubeconfig, unknown context, unreadable
/// certificate, ...). The message says what is missing; it never contains a credential.
public struct KubeConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
