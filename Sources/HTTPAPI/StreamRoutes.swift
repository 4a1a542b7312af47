import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Provisioning
import ServiceLifecycle

/// `GET /stream`: every event of the log as server-sent events, resumable by cursor.
struct StreamRoutes {
    typealias Context = APIContext

    let environment: APIEnvironment

    func register(on router: RouterGroup<Context>) {
        router.get("stream", use: stream)
    }

    @Sendable func stream(_ request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        var after: LogCursor?
        if let text = request.headers[HTTPField.Name("Last-Event-ID")!] ?? query["after"].map(String.init) {
            guard let cursor = LogCursor(text) else {
                throw Problem(
                    .badParameter, status: .badRequest, title: "Invalid cursor",
                    detail: "Last-Event-ID / after must be a cursor from this stream, e.g. 1234-56",
                    errors: [FieldError(field: "after", message: "is not a valid cursor")])
            }
            after = cursor
        }
        var stream: StreamID?
        if let text = query["store"].map(String.init) {
            guard let id = StoreID(text.lowercased()) else {
                throw Problem(
                    .badParameter, status: .badRequest, title: "Invalid parameter", detail: "store must be a store id",
                    errors: [FieldError(field: "store", message: "is not a store id")])
            }
            stream = id.streamID
        }
        let types = query["types"].map { $0.split(separator: ",").map(String.init) } ?? []
        let filter = AuditFilter(stream: stream, types: types)
        guard let broadcaster = environment.broadcaster,
            let registration = await broadcaster.register()
        else {
            throw Problem(.unavailable, status: .serviceUnavailable, title: "Stream unavailable", detail: "the event stream is starting or stopping")
        }
        let events = environment.events
        let vault = environment.vault
        let resumeFrom = after
        let body = ResponseBody { writer in
            do {
                try await withGracefulShutdownHandler {
                    try await writer.write(ByteBuffer(string: "retry: 2000\n: urumi event stream\n\n"))
                    var last = resumeFrom ?? registration.position
                    // Catch up from the log to where the broadcaster was when we joined.
                    while last < registration.position {
                        let page = try await events.readAll(after: last, limit: 500)
                        guard !page.isEmpty else { break }
                        let keys = try await vault.keyRing(for: page)
                        for event in page {
                            if filter.matches(event) { try await writer.write(try SSEFrame.render(event, keys: keys)) }
                            last = event.cursor
                        }
                    }
                    // Then live, skipping what the catch-up already sent.
                    for await frame in registration.frames {
                        switch frame {
                        case .heartbeat:
                            try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                        case .events(let batch, let all):
                            // Taken off the queue now: what is being written is the socket's to hold.
                            broadcaster.taken(batch.count, by: registration.id)
                            guard let newest = batch.last?.0.cursor, newest > last else { continue }
                            // The common case: every event is new and wanted, one write.
                            if filter.matchesEverything, let first = batch.first?.0.cursor, first > last {
                                last = newest
                                try await writer.write(all)
                                continue
                            }
                            var wanted = ByteBuffer()
                            for (event, frame) in batch where event.cursor > last {
                                last = event.cursor
                                if filter.matches(event) { wanted.writeImmutableBuffer(frame) }
                            }
                            if wanted.readableBytes > 0 { try await writer.write(wanted) }
                        }
                    }
                } onGracefulShutdown: {
                    broadcaster.unregister(registration.id)
                }
            } catch {
                broadcaster.unregister(registration.id)
                throw error
            }
            broadcaster.unregister(registration.id)
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream", .cacheControl: "no-cache",
                HTTPField.Name("X-Accel-Buffering")!: "no",
            ],
            body: body)
    }

}

/// One server-sent event: `id:` the log cursor, `event:` the type, `data:` one line of JSON.
enum SSEFrame {
    static func render(_ event: RecordedEvent, keys: any PersonalKeyRing) throws -> ByteBuffer {
        ByteBuffer(string: "id: \(event.cursor)\nevent: \(event.type)\ndata: \(try PublicEvent(event, keys: keys).line())\n\n")
    }
}
