import Foundation
import Hummingbird
import Provisioning

/// An RFC 9457 problem: every error the API returns, as `application/problem+json`.
public struct Problem: HTTPResponseError, Sendable {
    /// Stable problem types; their URIs never change meaning.
    public enum Kind: String, Sendable {
        case validation
        case malformedJSON = "malformed-json"
        case unsupportedMediaType = "unsupported-media-type"
        case payloadTooLarge = "payload-too-large"
        case headersTooLarge = "headers-too-large"
        case badParameter = "bad-parameter"
        case unauthorized
        case forbidden
        case tooManyRequests = "too-many-requests"
        case notFound = "not-found"
        case methodNotAllowed = "method-not-allowed"
        case conflict
        case domainInUse = "domain-in-use"
        case idempotencyKeyReused = "idempotency-key-reused"
        case operationRunning = "operation-running"
        case legacyPersonalData = "legacy-personal-data"
        case unavailable
        case internalError = "internal-error"

        public var uri: String { "https://urumi.dev/problems/\(rawValue)" }
    }

    public let kind: Kind
    public let status: HTTPResponse.Status
    public let title: String
    public let detail: String?
    public let errors: [FieldError]
    public var instance: String?
    public var requestID: String?
    /// For `operation-running`: the operation under way, and its kind.
    public let operation: String?
    public let operationKind: String?

    public init(
        _ kind: Kind, status: HTTPResponse.Status, title: String, detail: String? = nil, errors: [FieldError] = [],
        operation: String? = nil, operationKind: String? = nil
    ) {
        self.kind = kind
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.operation = operation
        self.operationKind = operationKind
    }

    struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String?
        let instance: String?
        let requestId: String?
        let errors: [FieldError]?
        let operation: String?
        let operationKind: String?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(
            type: kind.uri, title: title, status: status.code, detail: detail, instance: instance ?? request.uri.path,
            requestId: requestID ?? context.id, errors: errors.isEmpty ? nil : errors, operation: operation,
            operationKind: operationKind)
        let data = try APIJSON.encoder.encode(body)
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == .serviceUnavailable { headers[.retryAfter] = "2" }
        if status == .tooManyRequests { headers[.retryAfter] = "300" }
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"urumi\"" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
