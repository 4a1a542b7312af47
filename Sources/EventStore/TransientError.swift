/// An error that says whether retrying later may succeed (a database restarting, a lost
/// connection). The HTTP layer answers 503 for those instead of 500.
public protocol TransientError: Error {
    var isTransient: Bool { get }
}
