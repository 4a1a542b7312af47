import EventStore
import Foundation

/// Runs store commands: loads the store from its stream, decides, and appends with the
/// expected version (and the domain claim) in one atomic append.
public struct StoreCommandHandler: Sendable {
    /// The result of a command: the store, where its events landed, and its state after them.
    public struct Outcome: Sendable {
        public let id: StoreID
        /// The log cursor of the last event the command wrote (or found, when replayed).
        public let cursor: LogCursor?
        /// True when an idempotent repeat returned an earlier result.
        public let replayed: Bool
        public let state: StoreState
        /// For an operation: its id (the one started, or the earlier one a repeat found).
        public var operation: String? = nil
    }

    let events: any EventStore
    /// The stores' keys: personal fields are sealed before they are written, opened when read.
    let vault: any PersonalDataVault
    let newID: @Sendable () -> StoreID

    public init(
        events: any EventStore, vault: any PersonalDataVault, newID: @escaping @Sendable () -> StoreID = { StoreID() }
    ) {
        self.events = events
        self.vault = vault
        self.newID = newID
    }

    /// Asks for a new store. With an idempotency key, the same key and body returns the same
    /// store; the same key with another body is refused.
    public func create(
        name: String?, domain: String?, adminEmail: String?, plan: String?, metadata: EventMetadata,
        idempotencyKey: String? = nil, cloneOf clone: CloneRequest? = nil
    ) async throws -> Outcome {
        var spec = try StoreSpec.validate(name: name, domain: domain, adminEmail: adminEmail, plan: plan)
        if let clone { spec.cloneOf = try await cloneSource(clone) }
        let scopedKey = idempotencyKey.map { "create-store:\(metadata.actor):\($0)" }
        // The event store replays a key only for the same stream, so a repeat must name the
        // same store: with a key, the id is derived from it rather than drawn afresh.
        let id = scopedKey.map(StoreID.derived(from:)) ?? newID()
        let clear = try StoreDecider.decide(.create(id: id, spec: spec, by: metadata.actor), id: id, state: nil)
        var decided: [StoreEvent] = []
        for event in clear { decided.append(try await event.sealingPersonalData(with: vault)) }
        let cloneFields = spec.cloneOf.map { ["\($0.store)", $0.backup, String($0.scrub)] } ?? []
        let fingerprint = Fingerprint.of(
            ([spec.name, spec.domain, spec.adminEmail, spec.plan.rawValue] + cloneFields).joined(separator: "\n"))
        let request = AppendRequest(
            stream: id.streamID, expected: .noStream,
            events: decided.map { $0.newEvent(metadata: metadata) },
            idempotencyKey: scopedKey,
            fingerprint: fingerprint,
            claims: decided.flatMap(\.claims))
        do {
            let result = try await events.append(request)
            let storeID = StoreID(streamID: result.stream) ?? id
            if !result.replayed {
                // What was just written, folded here: no read back.
                var state = zip(decided, clear).reduce(StoreState?.none) {
                    StoreState.evolve($0, $1.0.openedAs($1.1), at: Date())
                }
                state?.version = result.streamVersion
                if let state { return Outcome(id: storeID, cursor: result.lastCursor, replayed: false, state: state) }
            }
            guard let state = try await StoreProjection.load(storeID, from: events, vault: vault) else {
                throw ProvisioningError.storeNotFound(storeID)
            }
            return Outcome(id: storeID, cursor: result.lastCursor, replayed: result.replayed, state: state)
        } catch EventStoreError.claimTaken {
            throw ProvisioningError.domainInUse(spec.domain)
        } catch EventStoreError.idempotencyKeyReused {
            throw ProvisioningError.idempotencyKeyReused
        }
    }

    /// Deletes a store (cancelling its provisioning if it is still under way).
    public func delete(_ id: StoreID, metadata: EventMetadata) async throws -> Outcome {
        try await run(.delete(by: metadata.actor), id: id, metadata: metadata)
    }

    /// Forgets the store's personal data: `store.forgotten.v1` is appended and the store's key
    /// destroyed (by the database in the same transaction; here again, for stores without one).
    /// A repeat changes nothing; a store whose request predates sealing is refused.
    public func forget(_ id: StoreID, metadata: EventMetadata) async throws -> Outcome {
        let outcome = try await run(.forget(by: metadata.actor), id: id, metadata: metadata)
        try await vault.destroyKey(of: id)
        return outcome
    }

    /// Runs a failed store again.
    public func retry(_ id: StoreID, metadata: EventMetadata) async throws -> Outcome {
        try await run(.retry(by: metadata.actor), id: id, metadata: metadata)
    }

    /// Starts a day-two operation. With an idempotency key, the operation's id is derived from
    /// it: a repeat of the same change answers with the operation already recorded (running or
    /// finished) instead of starting another; the same key with another change is refused.
    /// `deletionProtection`, when given, is set in the same append (alone when `change` is nil).
    public func change(
        _ id: StoreID, kind: OperationKind, change: StoreChange?, deletionProtection: Bool? = nil, metadata: EventMetadata,
        idempotencyKey: String? = nil
    ) async throws -> Outcome {
        let operation =
            idempotencyKey.map { StoreID.derived(from: "change-store:\(metadata.actor):\(id):\($0)").description }
            ?? UUID().uuidString.lowercased()
        var command = change.map { StoreCommand.change(kind, $0, operation: operation, by: metadata.actor) }
        if let deletionProtection { command = .protect(deletionProtection, then: command, by: metadata.actor) }
        guard let command else {
            throw ProvisioningError.validation([FieldError(field: "body", message: "names no change")])
        }
        var repeated = false
        do {
            let outcome = try await run(command, id: id, metadata: metadata) { state in
                guard idempotencyKey != nil, let change, let state else { return false }
                let earlier =
                    state.operation?.id == operation
                    ? state.operation?.change : state.operations.last { $0.id == operation }?.change
                guard let earlier else { return false }
                guard earlier == change else { throw ProvisioningError.idempotencyKeyReused }
                repeated = true
                return true
            }
            // Nothing to change is not a repeat of anything, and names no operation.
            let started = outcome.state.operation?.id == operation
            return Outcome(
                id: outcome.id, cursor: outcome.cursor, replayed: repeated, state: outcome.state,
                operation: started || repeated ? operation : nil)
        } catch EventStoreError.claimTaken {
            throw ProvisioningError.domainInUse(change?.addDomain ?? "")
        }
    }

    /// Runs `command` on the store's current state; `isRepeat` says (from that state) that the
    /// command was already carried out, so nothing is appended.
    func run(
        _ command: StoreCommand, id: StoreID, metadata: EventMetadata,
        isRepeat: (StoreState?) throws -> Bool = { _ in false }
    ) async throws -> Outcome {
        // The saga appends to the same stream; on a version conflict, decide again on the
        // fresh state (a handful of tries is plenty: saga appends are seconds apart).
        for _ in 0..<5 {
            let state = try await StoreProjection.load(id, from: events, vault: vault)
            if try isRepeat(state), let state { return Outcome(id: id, cursor: nil, replayed: true, state: state) }
            let decided = try StoreDecider.decide(command, id: id, state: state)
            guard let state else { throw ProvisioningError.storeNotFound(id) }
            if decided.isEmpty { return Outcome(id: id, cursor: nil, replayed: true, state: state) }
            do {
                let result = try await events.append(
                    AppendRequest(
                        stream: id.streamID, expected: .exact(state.version),
                        events: decided.map { $0.newEvent(metadata: metadata) },
                        claims: decided.flatMap(\.claims), releases: decided.flatMap(\.releases)))
                var after = state
                for event in decided { after = StoreState.evolve(after, event, at: Date()) ?? after }
                after.version = result.streamVersion
                return Outcome(id: id, cursor: result.lastCursor, replayed: false, state: after)
            } catch EventStoreError.wrongExpectedVersion {
                continue
            }
        }
        throw ProvisioningError.concurrentModification(id)
    }
}

/// What a clone is made from, as asked: a store, one of its completed backups, and whether to
/// scrub customers' personal data.
public struct CloneRequest: Sendable, Hashable {
    public let store: StoreID
    public let backup: String
    public let scrub: Bool

    public init(store: StoreID, backup: String, scrub: Bool) {
        self.store = store
        self.backup = backup
        self.scrub = scrub
    }
}

extension StoreCommandHandler {
    /// The source of a clone, checked: the store exists (or existed: a deleted store's final
    /// backup can be cloned) and the backup is complete.
    func cloneSource(_ request: CloneRequest) async throws -> CloneSource {
        guard let source = try await StoreProjection.load(request.store, from: events, vault: vault) else {
            throw ProvisioningError.validation([FieldError(field: "from.store", message: "no store with id \(request.store)")])
        }
        guard source.completedBackup(request.backup) != nil else {
            throw ProvisioningError.validation([
                FieldError(field: "from.backup", message: "store \(request.store) has no completed backup \(request.backup)")
            ])
        }
        return CloneSource(store: request.store, backup: request.backup, domain: source.spec.domain, scrub: request.scrub)
    }
}

extension StoreID {
    /// A stable id for a name (an actor's idempotency key): a UUID version 8 built from two
    /// differently seeded 64-bit FNV-1a digests. Not for security: the key check in the
    /// append is what refuses a different request.
    static func derived(from name: String) -> StoreID {
        func digest(_ seed: String) -> UInt64 { UInt64(Fingerprint.of(seed + name), radix: 16)! }
        var bytes = [UInt8](repeating: 0, count: 16)
        for (index, value) in [digest("urumi-store-id-1:"), digest("urumi-store-id-2:")].enumerated() {
            for byte in 0..<8 { bytes[index * 8 + byte] = UInt8(truncatingIfNeeded: value >> (56 - 8 * byte)) }
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x80  // version 8
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        let uuid = UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
        return StoreID(uuid)
    }
}
