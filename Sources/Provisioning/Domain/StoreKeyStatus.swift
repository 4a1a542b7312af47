/// What the vault holds for a store: no key ever (the store never sealed anything: unknown, or
/// an old request with the e-mail in clear), its key, or the key's tombstone (forgotten).
public enum StoreKeyStatus: Sendable, Hashable {
    case none
    case held
    case destroyed
}
