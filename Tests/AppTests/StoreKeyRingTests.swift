import Foundation
import PersonalData
import Provisioning
import Testing

/// The AES-GCM key ring and the in-memory vault: what opens, what does not, and that a
/// destroyed key stays destroyed.
@Suite("Store keys (AES-GCM)")
struct StoreKeyRingTests {
    let store = StoreID()

    @Test func aSealedTextOpensWithItsStoresKeyOnly() async throws {
        let vault = InMemoryPersonalDataVault()
        let sealed = try await vault.seal("owner@example.com", for: store)
        #expect(sealed.key == store.description)
        #expect(!sealed.sealed.contains("owner"))
        #expect(Data(base64Encoded: sealed.sealed)?.count == 12 + 17 + 16, "nonce, ciphertext, tag")
        let ring = try await vault.keyRing(for: [store])
        #expect(try ring.open(sealed, of: store) == "owner@example.com")
        // A fresh nonce every time: the same text never seals the same way twice.
        #expect(try await vault.seal("owner@example.com", for: store).sealed != sealed.sealed)

        // Another store's key (the store id is authenticated too) does not open it.
        let other = StoreID()
        _ = try await vault.seal("x", for: other)
        let moved = SealedText(key: other.description, sealed: sealed.sealed)
        await #expect(throws: PersonalDataError.cannotOpen(other)) { try await vault.keyRing(for: [other]).open(moved, of: other) }
    }

    @Test func aTamperedTextIsAnErrorNotErased() async throws {
        let vault = InMemoryPersonalDataVault()
        let sealed = try await vault.seal("owner@example.com", for: store)
        var bytes = try #require(Data(base64Encoded: sealed.sealed))
        bytes[14] ^= 0x01
        let tampered = SealedText(key: sealed.key, sealed: bytes.base64EncodedString())
        await #expect(throws: PersonalDataError.cannotOpen(store)) { try await vault.keyRing(for: [store]).open(tampered, of: store) }
    }

    @Test func aDestroyedKeyOpensNothingAndSealsNothingAgain() async throws {
        let vault = InMemoryPersonalDataVault()
        let sealed = try await vault.seal("owner@example.com", for: store)
        try await vault.destroyKey(of: store)
        #expect(try await vault.keyRing(for: [store]).open(sealed, of: store) == nil)
        await #expect(throws: PersonalDataError.forgotten(store)) { try await vault.seal("again", for: store) }
        try await vault.destroyKey(of: store)  // idempotent
    }
}
