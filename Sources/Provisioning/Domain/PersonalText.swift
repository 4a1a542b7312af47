import EventStore
import Foundation

/// A personal field of an event (the admin e-mail), as the log holds it and as it reads back.
///
/// New events hold it `sealed` with the store's own key, which lives outside the log
/// (`PersonalDataVault`); destroying the key forgets the field everywhere without rewriting an
/// event. Events written before sealing existed hold it in `clear` (`store.requested.v1`).
/// Reading opens a sealed field into `opened`, or `erased` once the key is gone.
public enum PersonalText: Sendable, Hashable {
    /// Never sealed: an old event's field, or one not sealed yet.
    case clear(String)
    case sealed(SealedText)
    /// Sealed in the log, opened with its key (never written back).
    case opened(String)
    /// Sealed in the log, and its key is gone: the value can never be read again.
    case erased

    /// What an erased field reads as, everywhere (API, SSE, CSV, projections).
    public static let erasedMarker = "[erased]"
    /// What a field reads as if it was never opened (a bug: tests look for it).
    public static let unopenedMarker = "[sealed]"

    /// The text to show or use.
    public var text: String {
        switch self {
        case .clear(let text), .opened(let text): text
        case .sealed: Self.unopenedMarker
        case .erased: Self.erasedMarker
        }
    }

    /// Whether the log holds the field sealed (false: in clear, an old event).
    public var isSealed: Bool {
        if case .clear = self { return false }
        return true
    }

    /// Opened with `keys`: a sealed field becomes its text, or `erased` when its key is gone.
    public func opened(for store: StoreID, with keys: any PersonalKeyRing) throws -> PersonalText {
        guard case .sealed(let sealed) = self else { return self }
        return try keys.open(sealed, of: store).map(PersonalText.opened) ?? .erased
    }
}

/// A field sealed with a store's key: AES-GCM's combined form (nonce, ciphertext, tag) in
/// base64, and which key (`key`: the store id; the key itself is never in an event).
public struct SealedText: Sendable, Hashable, Codable {
    public let key: String
    public let sealed: String

    public init(key: String, sealed: String) {
        self.key = key
        self.sealed = sealed
    }
}

/// The keys of some stores, loaded for a batch of events (synchronous, so that folding stays pure).
public protocol PersonalKeyRing: Sendable {
    /// The field's text; nil when the store's key was destroyed. Throws when the ring was not
    /// loaded for this store (a caller's mistake, never read as "erased") or the text does not
    /// open with the key (tampered).
    func open(_ sealed: SealedText, of store: StoreID) throws -> String?
}

/// The port to the stores' keys (a key table beside the log, or memory).
public protocol PersonalDataVault: Sendable {
    /// Seals `text` with the store's key, making the key on first use. Refuses a store whose
    /// key was destroyed.
    func seal(_ text: String, for store: StoreID) async throws -> SealedText
    /// The keys of `stores` as they are now (destroyed ones absent).
    func keyRing(for stores: Set<StoreID>) async throws -> any PersonalKeyRing
    /// Destroys the store's key for ever (idempotent).
    func destroyKey(of store: StoreID) async throws
    /// Whether the store has a key, had one (destroyed), or never had one: what is left of a
    /// store whose stream was archived.
    func keyStatus(of store: StoreID) async throws -> StoreKeyStatus
}

/// Errors of personal-data handling.
public enum PersonalDataError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The key ring was not loaded for this store.
    case keyNotLoaded(StoreID)
    /// The sealed text does not open with the store's key.
    case cannotOpen(StoreID)
    /// The store was forgotten: nothing can be sealed for it any more.
    case forgotten(StoreID)

    public var description: String {
        switch self {
        case .keyNotLoaded(let id): "the key of store \(id) was not loaded"
        case .cannotOpen(let id): "a sealed field of store \(id) does not open with its key"
        case .forgotten(let id): "store \(id) was forgotten; its key is destroyed"
        }
    }
}

/// A ring without keys, for events that hold nothing sealed.
public struct NoPersonalKeys: PersonalKeyRing {
    public init() {}
    public func open(_ sealed: SealedText, of store: StoreID) throws -> String? { throw PersonalDataError.keyNotLoaded(store) }
}

extension PersonalDataVault {
    /// A ring with the keys the events need: the stores whose events hold a sealed field
    /// (no lookup at all for a batch without one).
    public func keyRing(for events: [RecordedEvent]) async throws -> any PersonalKeyRing {
        let stores = Set(events.filter { StoreEvent.sealedTypes.contains($0.type) }.compactMap { StoreID(streamID: $0.streamID) })
        return stores.isEmpty ? NoPersonalKeys() : try await keyRing(for: stores)
    }
}

extension PersonalText: Codable {
    /// In clear: a JSON string (as `store.requested.v1` wrote it); sealed: `{"key","sealed"}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .clear(text)
        } else {
            self = .sealed(try container.decode(SealedText.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .clear(let text): try container.encode(text)
        case .sealed(let sealed): try container.encode(sealed)
        case .opened, .erased:
            // What was read from a sealed field is never written back, in clear or as a marker.
            throw EncodingError.invalidValue(
                self, .init(codingPath: encoder.codingPath, debugDescription: "an opened personal field is not written"))
        }
    }
}
