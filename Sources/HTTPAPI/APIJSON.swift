import EventStore
import Foundation
import Hummingbird
import Provisioning

/// JSON as the API writes it: sorted keys, ISO 8601 dates with milliseconds, UTC.
enum APIJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(StoreEvent.formatDate(date))
        }
        return encoder
    }()

    /// A JSON response with `status`.
    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws
        -> Response
    {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(
            status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// Reads a JSON object body of at most `limit` bytes; only `allowed` fields may appear.
    /// Unknown fields are rejected (a typo must not be silently ignored).
    static func object(
        from request: Request, allowed: Set<String>, limit: Int = 64 * 1024,
        mediaTypes: [String] = ["application/json"]
    ) async throws -> [String: JSONValue] {
        // The media type must be one of `mediaTypes` exactly (parameters such as charset aside);
        // a missing Content-Type is refused too, not guessed.
        let mediaType = request.headers[.contentType]?.split(separator: ";", maxSplits: 1).first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if !mediaTypes.contains(mediaType ?? "") {
            throw Problem(
                .unsupportedMediaType, status: .unsupportedMediaType, title: "Unsupported media type",
                detail: "send the body as \(mediaTypes.joined(separator: " or "))")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw Problem(
                .payloadTooLarge, status: .contentTooLarge, title: "Payload too large",
                detail: "the body must be at most \(limit) bytes")
        }
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(buffer.readableBytesView)
        } catch {
            throw Problem(.malformedJSON, status: .badRequest, title: "Malformed JSON", detail: "the body is not valid JSON")
        }
        guard case .object(let object) = parsed else {
            throw Problem(.malformedJSON, status: .badRequest, title: "Malformed JSON", detail: "the body must be a JSON object")
        }
        let unknown = Set(object.keys).subtracting(allowed).sorted()
        if !unknown.isEmpty {
            throw Problem(
                .validation, status: .unprocessableContent, title: "Invalid request",
                detail: "unknown fields: \(unknown.joined(separator: ", "))",
                errors: unknown.map { FieldError(field: $0, message: "is not a known field") })
        }
        return object
    }

    /// Like `object`, but an empty body (no Content-Type, or zero bytes) is an empty object.
    static func optionalObject(from request: Request, allowed: Set<String>) async throws -> [String: JSONValue] {
        if request.headers[.contentType] == nil,
            request.headers[.contentLength] == nil || request.headers[.contentLength] == "0"
        {
            let buffer = try? await request.body.collect(upTo: 1)
            if buffer?.readableBytes ?? 0 == 0 { return [:] }
        }
        return try await object(from: request, allowed: allowed)
    }

    /// A string field: absent or null is nil; another JSON type is a field error.
    static func string(_ object: [String: JSONValue], _ field: String, errors: inout [FieldError]) -> String? {
        guard let value = object[field], value != .null else { return nil }
        guard let text = value.string else {
            errors.append(FieldError(field: field, message: "must be a string"))
            return nil
        }
        return text
    }
}
