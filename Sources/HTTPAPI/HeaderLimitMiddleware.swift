import Hummingbird

/// Refuses requests whose header fields add up to more than `limit` bytes with 431.
///
/// SwiftNIO's parser accepts about 80 KiB of headers; the proxies Urumi sits behind (nginx,
/// Node, ingress controllers) stop at 8-32 KiB. A tighter bound here keeps each request's
/// header memory small and makes a direct deployment answer as a proxied one would. The
/// dashboard sends two short cookies; API clients, a bearer token.
struct HeaderLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    var limit = 16 * 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var total = request.uri.description.utf8.count
        for field in request.headers {
            total += field.name.rawName.utf8.count + field.value.utf8.count + 4  // ": " and CRLF
            if total > limit {
                throw Problem(
                    .headersTooLarge, status: .requestHeaderFieldsTooLarge, title: "Request header fields too large",
                    detail: "the request line and headers must be at most \(limit) bytes")
            }
        }
        return try await next(request, context)
    }
}
