import Foundation
import Provisioning
import Synchronization

/// The stores' keys in memory (`.inMemory` applications: tests, demos).
public final class InMemoryPersonalDataVault: PersonalDataVault {
    /// nil: destroyed (a tombstone, as the key table keeps).
    private let keys = Mutex<[StoreID: Data?]>([:])

    public init() {}

    public func seal(_ text: String, for store: StoreID) async throws -> SealedText {
        let key = try keys.withLock { keys -> Data in
            switch keys[store] {
            case .some(.some(let key)): return key
            case .some(.none): throw PersonalDataError.forgotten(store)
            case .none:
                let key = StoreKeyRing.newKey()
                keys[store] = key
                return key
            }
        }
        return try StoreKeyRing.seal(text, for: store, with: key)
    }

    public func keyRing(for stores: Set<StoreID>) async throws -> any PersonalKeyRing {
        let found = keys.withLock { keys in stores.map { ($0, keys[$0] ?? nil) } }
        return StoreKeyRing(keys: Dictionary(uniqueKeysWithValues: found))
    }

    public func destroyKey(of store: StoreID) async throws {
        keys.withLock { $0[store] = .some(nil) }
    }

    public func keyStatus(of store: StoreID) async throws -> StoreKeyStatus {
        keys.withLock { keys in
            switch keys[store] {
            case .some(.some): .held
            case .some(.none): .destroyed
            case .none: .none
            }
        }
    }
}
