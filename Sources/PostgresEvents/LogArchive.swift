import EventStore
import Foundation
import Postgres

/// Retention: the streams of stores deleted long ago moved out of the live log into a
/// compressed archive file, verified before anything is removed, and read back for audit
/// (docs/decisions/retention.md).
///
/// The file is gzip'd JSON lines: a header `{"format":"urumi-archive-v1","streams":N,"events":M,
/// "createdAt":...}`, then one event per line in log order, with every column of `events`.
public enum LogArchive {
    public static let format = "urumi-archive-v1"

    /// One archived event: the row of `events` as it was.
    public struct Line: Codable, Sendable, Equatable {
        public let position: Int64
        public let transactionId: UInt64
        public let eventId: UUID
        public let stream: String
        public let version: Int64
        public let type: String
        /// The JSON of `data` and `metadata`, as stored.
        public let data: String
        public let metadata: String
        public let recordedAt: String

        /// The event as the log hands it out.
        public func recorded() throws -> RecordedEvent {
            RecordedEvent(
                id: eventId, streamID: try StreamID(stream), version: version,
                cursor: LogCursor(transactionID: transactionId, position: position), type: type, data: data,
                metadata: try JSONDecoder().decode(EventMetadata.self, from: Data(metadata.utf8)),
                recordedAt: Date(postgresText: recordedAt) ?? Date(timeIntervalSince1970: 0))
        }
    }

    public struct Header: Codable, Sendable {
        public let format: String
        public let streams: Int
        public let events: Int
        public let createdAt: String
    }

    /// What an archive run did.
    public struct Report: Codable, Sendable {
        public let streams: Int
        public let events: Int
        /// Removed from the live log (false for a dry run).
        public let removed: Bool

        public init(streams: Int, events: Int, removed: Bool) {
            self.streams = streams
            self.events = events
            self.removed = removed
        }
    }

    public enum ArchiveError: Error, CustomStringConvertible {
        case verification(String)
        case behind(String)
        case badFile(String)

        public var description: String {
            switch self {
            case .verification(let reason): "the archive does not match the log, nothing was removed: \(reason)"
            case .behind(let reason): "not archived: \(reason)"
            case .badFile(let reason): "not an Urumi archive: \(reason)"
            }
        }
    }

    /// Streams of stores whose deletion was recorded before `cutoff`.
    public static func deletedStreams(before cutoff: Date, pool: PostgresPool) async throws -> [String] {
        let rows = try await pool.query(
            """
            select distinct stream_id from events
             where type = 'store.deleted.v1' and recorded_at < \(cutoff) order by stream_id
            """)
        return try rows.map { try $0.decode(String.self, "stream_id") }
    }

    /// Writes the streams' events to `file`, reads the file back and checks it against the log
    /// (every event, by id, version and data), then, unless `dryRun`, removes them from the live
    /// log and its derived rows in one transaction.
    public static func archive(streams: [String], to file: URL, pool: PostgresPool, dryRun: Bool) async throws -> Report {
        let lines = try await read(streams: streams, pool: pool)
        try await checkConsumersPassed(lines, pool: pool)
        let header = Header(
            format: format, streams: Set(lines.map(\.stream)).count, events: lines.count,
            createdAt: ISO8601DateFormatter().string(from: Date()))
        try write(header: header, lines: lines, to: file)
        let (readHeader, readLines) = try load(file)
        guard readHeader.events == lines.count, readLines == lines else {
            throw ArchiveError.verification("\(readLines.count) events read back, \(lines.count) in the log")
        }
        if dryRun { return Report(streams: header.streams, events: header.events, removed: false) }
        try await pool.withTransaction { connection in
            // Under the projector's lock: no batch of it runs while its rows go.
            try await connection.query("select pg_advisory_xact_lock(\(0x7572_756D_6932 as Int64))")
            let ids = Array(Set(lines.map(\.stream)))
            let removed = try await connection.query(
                "delete from events where stream_id = any(\(ids)::text[]) returning event_id")
            guard removed.count == lines.count else {
                throw ArchiveError.verification("\(removed.count) events to remove, \(lines.count) archived")
            }
            try await connection.query("delete from streams where stream_id = any(\(ids)::text[])")
            try await connection.query("delete from idempotency_keys where stream_id = any(\(ids)::text[])")
            try await connection.query("delete from claims where stream_id = any(\(ids)::text[])")
            try await connection.query(
                """
                delete from store_view where store_id::text = any(\(ids.map { String($0.dropFirst(6)) })::text[])
                """)
            try await connection.query(
                """
                delete from saga_queue where store_id::text = any(\(ids.map { String($0.dropFirst(6)) })::text[])
                """)
        }
        return Report(streams: header.streams, events: header.events, removed: true)
    }

    /// Every event of `streams`, in log order.
    static func read(streams: [String], pool: PostgresPool) async throws -> [Line] {
        guard !streams.isEmpty else { return [] }
        let rows = try await pool.query(
            """
            select position, transaction_id, event_id, stream_id, stream_version, type, data::text as data,
                   metadata::text as metadata, recorded_at::text as recorded_at
              from events where stream_id = any(\(streams)::text[]) order by transaction_id, position
            """)
        return try rows.map { row in
            Line(
                position: try row.decode(Int64.self, "position"), transactionId: try row.decode(UInt64.self, "transaction_id"),
                eventId: try row.decode(UUID.self, "event_id"), stream: try row.decode(String.self, "stream_id"),
                version: try row.decode(Int64.self, "stream_version"), type: try row.decode(String.self, "type"),
                data: try row.decode(String.self, "data"), metadata: try row.decode(String.self, "metadata"),
                recordedAt: try row.decode(String.self, "recorded_at"))
        }
    }

    /// Refuses while a projector has not applied every event to be archived (its rows would
    /// come back, or its checkpoint would point into removed history).
    static func checkConsumersPassed(_ lines: [Line], pool: PostgresPool) async throws {
        guard let last = lines.max(by: { ($0.transactionId, $0.position) < ($1.transactionId, $1.position) }) else { return }
        let rows = try await pool.query(
            """
            select count(*) as n from projection_checkpoints
             where name in ('store_view', 'saga_queue')
               and (txid, position) < (\(last.transactionId)::xid8, \(last.position)::bigint)
            """)
        if try rows.first?.decode(Int.self, "n") ?? 0 > 0 {
            throw ArchiveError.behind("the read models have not applied these events yet; try again shortly")
        }
    }

    /// Writes the archive through `gzip`.
    static func write(header: Header, lines: [Line], to file: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var text = String(decoding: try encoder.encode(header), as: UTF8.self) + "\n"
        for line in lines { text += String(decoding: try encoder.encode(line), as: UTF8.self) + "\n" }
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw ArchiveError.badFile("cannot create \(file.path)")
        }
        let output = try FileHandle(forWritingTo: file)
        defer { try? output.close() }
        try gzip(["-c", "-9"], input: Data(text.utf8), output: output)
    }

    /// Reads an archive back: its header and events.
    public static func load(_ file: URL) throws -> (Header, [Line]) {
        let pipe = Pipe()
        let input = try FileHandle(forReadingFrom: file)
        defer { try? input.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gzipPath)
        process.arguments = ["-dc"]
        process.standardInput = input
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ArchiveError.badFile("gzip could not read \(file.path)") }
        let decoder = JSONDecoder()
        var lines = data.split(separator: UInt8(ascii: "\n"))
        guard !lines.isEmpty else { throw ArchiveError.badFile("empty") }
        let header = try decoder.decode(Header.self, from: Data(lines.removeFirst()))
        guard header.format == format else { throw ArchiveError.badFile("format \(header.format)") }
        let events = try lines.map { try decoder.decode(Line.self, from: Data($0)) }
        guard events.count == header.events else {
            throw ArchiveError.badFile("the header says \(header.events) events, the file holds \(events.count)")
        }
        return (header, events)
    }

    static let gzipPath = ["/usr/bin/gzip", "/bin/gzip"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/bin/gzip"

    private static func gzip(_ arguments: [String], input: Data, output: FileHandle) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gzipPath)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardInput = pipe
        process.standardOutput = output
        try process.run()
        try pipe.fileHandleForWriting.write(contentsOf: input)
        try pipe.fileHandleForWriting.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ArchiveError.badFile("gzip failed (\(process.terminationStatus))") }
    }
}
