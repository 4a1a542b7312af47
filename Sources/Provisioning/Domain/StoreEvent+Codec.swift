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

    /// ISO 8601 with milliseconds, UTC, rounded to the nearest millisecond.
    ///
    /// Built from whole milliseconds rather than by the date formatter: the formatter
    /// truncates, and a parsed `.578` is a binary fraction just below it, so every
    /// decode-and-encode of a stored state lost a millisecond (the store list drifted from the
    /// log, and a rebuild did not reproduce it). Rounding makes format(parse(x)) == x.
    public static func formatDate(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let fraction = Int(milliseconds - seconds * 1000)
        let parts = utcCalendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(seconds)))
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2))T\(pad(parts.hour, 2)):"
            + "\(pad(parts.minute, 2)):\(pad(parts.second, 2)).\(pad(fraction, 3))Z"
    }

    private static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    public static func parseDate(_ text: String) -> Date? {
        (try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: .iso8601))
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
        default: return nil
        }
    }
}
