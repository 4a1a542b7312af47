import EventStore
import Foundation

extension StoreEvent {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Self.formatDate(date))
        }
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = Self.parseDate(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad date"))
            }
            return date
        }
        return decoder
    }()

    /// ISO 8601 in UTC with exactly three fraction digits, rounded to the nearest millisecond.
    /// Foundation's ISO 8601 style truncates the fraction of the Double, so an instant like
    /// x.002 s came out as x.001: the milliseconds are rounded and written here instead
    /// (by `MillisecondTime` for 1970-9999, by Foundation outside).
    public static func formatDate(_ date: Date) -> String {
        if let text = MillisecondTime.format(date) { return text }
        let millis = (date.timeIntervalSinceReferenceDate * 1000).rounded()
        let seconds = (millis / 1000).rounded(.down)
        let whole = Date(timeIntervalSinceReferenceDate: seconds).formatted(.iso8601)  // …T15:06:40Z
        return "\(whole.dropLast()).\(String(format: "%03d", Int(millis - seconds * 1000)))Z"
    }

    /// Reads ISO 8601 with or without a fraction, honouring the offset (the field-by-field
    /// style read `+02:00` as UTC), and rounds to the millisecond so that what `formatDate`
    /// wrote decodes to the very same `Date` (`MillisecondTime` reads the domain's own form).
    public static func parseDate(_ text: String) -> Date? {
        if let date = MillisecondTime.parse(text) { return date }
        guard let date = try? Date(text, strategy: .iso8601) else { return nil }
        return Date(timeIntervalSinceReferenceDate: (date.timeIntervalSinceReferenceDate * 1000).rounded() / 1000)
    }

    /// The event ready to append, with its metadata.
    public func newEvent(id: UUID = UUID(), metadata: EventMetadata) -> NewEvent {
        let data: Data
        switch self {
        case .requested(let payload): data = try! Self.encoder.encode(payload)
        case .stepStarted(let payload): data = try! Self.encoder.encode(payload)
        case .stepSucceeded(let payload): data = try! Self.encoder.encode(payload)
        case .stepFailed(let payload): data = try! Self.encoder.encode(payload)
        case .ready(let payload): data = try! Self.encoder.encode(payload)
        case .compensationStarted(let payload): data = try! Self.encoder.encode(payload)
        case .stepCompensated(let payload): data = try! Self.encoder.encode(payload)
        case .compensationStepFailed(let payload): data = try! Self.encoder.encode(payload)
        case .compensationFailed(let payload): data = try! Self.encoder.encode(payload)
        case .failed(let payload): data = try! Self.encoder.encode(payload)
        case .deletionRequested(let payload): data = try! Self.encoder.encode(payload)
        case .deleted(let payload): data = try! Self.encoder.encode(payload)
        case .retryRequested(let payload): data = try! Self.encoder.encode(payload)
        case .credentialsViewed(let payload): data = try! Self.encoder.encode(payload)
        case .changeRequested(let payload): data = try! Self.encoder.encode(payload)
        case .changeStepStarted(let payload): data = try! Self.encoder.encode(payload)
        case .changeStepSucceeded(let payload): data = try! Self.encoder.encode(payload)
        case .changeStepFailed(let payload): data = try! Self.encoder.encode(payload)
        case .rollbackStarted(let payload): data = try! Self.encoder.encode(payload)
        case .changed(let payload), .suspended(let payload), .resumed(let payload), .restored(let payload):
            data = try! Self.encoder.encode(payload)
        case .changeFailed(let payload): data = try! Self.encoder.encode(payload)
        case .deletionProtectionChanged(let payload): data = try! Self.encoder.encode(payload)
        case .backupCompleted(let payload): data = try! Self.encoder.encode(payload)
        case .backupFailed(let payload): data = try! Self.encoder.encode(payload)
        case .backupDeleted(let payload), .backupExpired(let payload): data = try! Self.encoder.encode(payload)
        case .forgotten(let payload): data = try! Self.encoder.encode(payload)
        case .healthChecked(let payload): data = try! Self.encoder.encode(payload)
        case .driftDetected(let payload): data = try! Self.encoder.encode(payload)
        }
        return NewEvent(id: id, type: type, data: String(decoding: data, as: UTF8.self), metadata: metadata)
    }

    /// Decodes a recorded event, opening its sealed personal fields with `keys` (which must
    /// hold the key of its store when it has any: `PersonalDataVault.keyRing(for:)`); nil for
    /// a type this version does not know (skipped, not fatal).
    public init?(_ recorded: RecordedEvent, keys: any PersonalKeyRing) throws {
        guard let event = try StoreEvent(recorded) else { return nil }
        self = try event.openingPersonalData(with: keys)
    }

    /// Decodes a recorded event into today's shape (old versions through their upcasters),
    /// leaving sealed fields sealed; nil for a type this version does not know.
    public init?(_ recorded: RecordedEvent) throws {
        let (type, text) = try StoreEventUpcasters.upcast(type: recorded.type, data: recorded.data)
        guard let kind = Kind(rawValue: type) else { return nil }
        if let event = Self.plainlyDecoded(kind, text) {
            self = event
            return
        }
        let data = Data(text.utf8)
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try Self.decoder.decode(T.self, from: data) }
        switch kind {
        case .requested: self = .requested(try decode(Requested.self))
        case .stepStarted: self = .stepStarted(try decode(StepStarted.self))
        case .stepSucceeded: self = .stepSucceeded(try decode(StepSucceeded.self))
        case .stepFailed: self = .stepFailed(try decode(StepFailed.self))
        case .ready: self = .ready(try decode(Ready.self))
        case .compensationStarted: self = .compensationStarted(try decode(CompensationStarted.self))
        case .stepCompensated: self = .stepCompensated(try decode(StepCompensated.self))
        case .compensationStepFailed: self = .compensationStepFailed(try decode(StepFailed.self))
        case .compensationFailed: self = .compensationFailed(try decode(CompensationFailed.self))
        case .failed: self = .failed(try decode(Failed.self))
        case .deletionRequested: self = .deletionRequested(try decode(ByActor.self))
        case .deleted: self = .deleted(try decode(Deleted.self))
        case .retryRequested: self = .retryRequested(try decode(RetryRequested.self))
        case .credentialsViewed: self = .credentialsViewed(try decode(ByActor.self))
        case .changeRequested: self = .changeRequested(try decode(ChangeRequested.self))
        case .changeStepStarted: self = .changeStepStarted(try decode(ChangeStepStarted.self))
        case .changeStepSucceeded: self = .changeStepSucceeded(try decode(ChangeStepSucceeded.self))
        case .changeStepFailed: self = .changeStepFailed(try decode(ChangeStepFailed.self))
        case .rollbackStarted: self = .rollbackStarted(try decode(RollbackStarted.self))
        case .changed: self = .changed(try decode(ChangeCompleted.self))
        case .suspended: self = .suspended(try decode(ChangeCompleted.self))
        case .resumed: self = .resumed(try decode(ChangeCompleted.self))
        case .changeFailed: self = .changeFailed(try decode(ChangeFailed.self))
        case .deletionProtectionChanged: self = .deletionProtectionChanged(try decode(DeletionProtection.self))
        case .backupCompleted: self = .backupCompleted(try decode(BackupCompleted.self))
        case .backupFailed: self = .backupFailed(try decode(BackupFailed.self))
        case .restored: self = .restored(try decode(ChangeCompleted.self))
        case .backupDeleted: self = .backupDeleted(try decode(BackupRemoved.self))
        case .backupExpired: self = .backupExpired(try decode(BackupRemoved.self))
        case .forgotten: self = .forgotten(try decode(ByActor.self))
        case .healthChecked: self = .healthChecked(try decode(HealthChecked.self))
        case .driftDetected: self = .driftDetected(try decode(DriftDetected.self))
        }
    }

    /// The event with its personal fields sealed by the store's key (what is written).
    public func sealingPersonalData(with vault: any PersonalDataVault) async throws -> StoreEvent {
        guard case .requested(var payload) = self, case .clear(let text) = payload.adminEmail else { return self }
        payload.adminEmail = .sealed(try await vault.seal(text, for: payload.storeId))
        return .requested(payload)
    }

    /// The event with its sealed fields opened (`erased` when the store's key is gone).
    public func openingPersonalData(with keys: any PersonalKeyRing) throws -> StoreEvent {
        guard case .requested(var payload) = self else { return self }
        payload.adminEmail = try payload.adminEmail.opened(for: payload.storeId, with: keys)
        return .requested(payload)
    }

    /// A sealed event as it reads once opened, from the clear one it was sealed from (so that
    /// a command folds what it wrote without asking for the key again).
    func openedAs(_ clear: StoreEvent) -> StoreEvent {
        guard case .requested(var payload) = self, case .requested(let before) = clear, case .clear(let text) = before.adminEmail
        else { return self }
        payload.adminEmail = .opened(text)
        return .requested(payload)
    }
}
