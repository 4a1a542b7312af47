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
    /// x.002 s came out as x.001: the milliseconds are rounded and written here instead.
    public static func formatDate(_ date: Date) -> String {
        let millis = (date.timeIntervalSinceReferenceDate * 1000).rounded()
        let seconds = (millis / 1000).rounded(.down)
        let whole = Date(timeIntervalSinceReferenceDate: seconds).formatted(.iso8601)  // …T15:06:40Z
        return "\(whole.dropLast()).\(String(format: "%03d", Int(millis - seconds * 1000)))Z"
    }

    /// Reads ISO 8601 with or without a fraction, honouring the offset (the field-by-field
    /// style read `+02:00` as UTC), and rounds to the millisecond so that what `formatDate`
    /// wrote decodes to the very same `Date`.
    public static func parseDate(_ text: String) -> Date? {
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
        }
        return NewEvent(id: id, type: type, data: String(decoding: data, as: UTF8.self), metadata: metadata)
    }

    /// Decodes a recorded event; nil for a type this version does not know (skipped, not fatal).
    public init?(_ recorded: RecordedEvent) throws {
        let data = Data(recorded.data.utf8)
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try Self.decoder.decode(T.self, from: data) }
        switch recorded.type {
        case "store.requested.v1": self = .requested(try decode(Requested.self))
        case "store.step-started.v1": self = .stepStarted(try decode(StepStarted.self))
        case "store.step-succeeded.v1": self = .stepSucceeded(try decode(StepSucceeded.self))
        case "store.step-failed.v1": self = .stepFailed(try decode(StepFailed.self))
        case "store.ready.v1": self = .ready(try decode(Ready.self))
        case "store.compensation-started.v1": self = .compensationStarted(try decode(CompensationStarted.self))
        case "store.step-compensated.v1": self = .stepCompensated(try decode(StepCompensated.self))
        case "store.compensation-step-failed.v1": self = .compensationStepFailed(try decode(StepFailed.self))
        case "store.compensation-failed.v1": self = .compensationFailed(try decode(CompensationFailed.self))
        case "store.failed.v1": self = .failed(try decode(Failed.self))
        case "store.deletion-requested.v1": self = .deletionRequested(try decode(ByActor.self))
        case "store.deleted.v1": self = .deleted(try decode(Deleted.self))
        case "store.retry-requested.v1": self = .retryRequested(try decode(RetryRequested.self))
        case "store.credentials-viewed.v1": self = .credentialsViewed(try decode(ByActor.self))
        default: return nil
        }
    }
}
