import Crypto
import Foundation
import Provisioning

/// The keys of some stores (256-bit AES keys), opening fields sealed with AES-GCM. The store id
/// is the additional authenticated data, so a sealed field moved to another store's event
/// does not open.
public struct StoreKeyRing: PersonalKeyRing {
    /// The stores the ring was loaded for, with their key's 32 bytes: nil for a destroyed key.
    let keys: [StoreID: Data?]

    public init(keys: [StoreID: Data?]) {
        self.keys = keys
    }

    public func open(_ sealed: SealedText, of store: StoreID) throws -> String? {
        guard let entry = keys[store] else { throw PersonalDataError.keyNotLoaded(store) }
        guard let bytes = entry else { return nil }
        let key = SymmetricKey(data: bytes)
        guard sealed.key == store.description, let combined = Data(base64Encoded: sealed.sealed) else {
            throw PersonalDataError.cannotOpen(store)
        }
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            let plain = try AES.GCM.open(box, using: key, authenticating: Data(store.description.utf8))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw PersonalDataError.cannotOpen(store)
        }
    }

    /// Seals `text` for `store` with `key` (a fresh random nonce each time).
    public static func seal(_ text: String, for store: StoreID, with key: Data) throws -> SealedText {
        let box = try AES.GCM.seal(Data(text.utf8), using: SymmetricKey(data: key), authenticating: Data(store.description.utf8))
        guard let combined = box.combined else { throw PersonalDataError.cannotOpen(store) }
        return SealedText(key: store.description, sealed: combined.base64EncodedString())
    }

    /// A new random 256-bit key.
    public static func newKey() -> Data { SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) } }
}
