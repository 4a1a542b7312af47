import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
    private let socketSend = Glibc.send
#elseif canImport(Darwin)
    import Darwin
    private let socketSend = Darwin.send
#endif

/// A response read off the wire: every header field in order (a `Set-Cookie` per cookie), the
/// body with any chunked framing removed.
struct WireResponse: Sendable {
    let status: Int
    let fields: [Field]
    let body: Data

    struct Field: Sendable, Hashable {
        let name: String
        let value: String
    }

    /// The first field named `name` (case-insensitive).
    func header(_ name: String) -> String? { headers(name).first }

    func headers(_ name: String) -> [String] {
        fields.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }

    /// The cookie set as `name`, parsed.
    func cookie(_ name: String) -> SetCookie? {
        headers("Set-Cookie").compactMap(SetCookie.init).first { $0.name == name }
    }

    /// As the `HTTPResult` the shared assertions take.
    var result: HTTPResult {
        var headers: [String: String] = [:]
        for field in fields where headers[field.name] == nil { headers[field.name] = field.value }
        return HTTPResult(status: status, headers: headers, body: body)
    }
}

/// One `Set-Cookie` value: `name=value; Attr; Attr=x`.
struct SetCookie: Sendable, Hashable {
    let name: String
    let value: String
    /// Attribute names lowercased, with their values (`""` for flags such as HttpOnly).
    let attributes: [String: String]

    init?(_ header: String) {
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = parts.first, let equals = first.firstIndex(of: "=") else { return nil }
        name = String(first[..<equals])
        value = String(first[first.index(after: equals)...])
        var attributes: [String: String] = [:]
        for part in parts.dropFirst() {
            if let equals = part.firstIndex(of: "=") {
                attributes[part[..<equals].lowercased()] = String(part[part.index(after: equals)...])
            } else {
                attributes[part.lowercased()] = ""
            }
        }
        self.attributes = attributes
    }

    func has(_ attribute: String) -> Bool { attributes[attribute.lowercased()] != nil }
    subscript(_ attribute: String) -> String? { attributes[attribute.lowercased()] }
}

/// HTTP/1.1 over a plain blocking socket, byte for byte as written: for what URLSession does
/// not do (keep every `Set-Cookie`, send huge headers, stream a chunked body, read an endless
/// SSE response for a while and hang up).
enum Wire {
    /// What happened to a request.
    enum Outcome: Sendable {
        case answered(WireResponse)
        /// The server closed (or reset) the connection without a response head.
        case closed
    }

    /// Sends `method path` to 127.0.0.1:`port` with `Connection: close`. The body is sent with
    /// `Content-Length` unless `chunked`. Reads until the server closes, the response is
    /// complete, or `readFor` has passed (then it hangs up: for endless responses).
    static func send(
        port: Int, _ method: String, _ path: String, headers: [(String, String)] = [], body: Data? = nil,
        chunked: Bool = false, readFor: Duration? = nil
    ) async throws -> Outcome {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        var bytes: [UInt8]
        if let body, chunked {
            head += "Transfer-Encoding: chunked\r\n\r\n"
            bytes = [UInt8](head.utf8)
            var offset = 0
            while offset < body.count {
                let piece = body[body.startIndex + offset..<body.startIndex + min(body.count, offset + 64 * 1024)]
                bytes += [UInt8](String(piece.count, radix: 16).utf8) + [13, 10] + [UInt8](piece) + [13, 10]
                offset += piece.count
            }
            bytes += [UInt8]("0\r\n\r\n".utf8)
        } else {
            if let body {
                head += "Content-Length: \(body.count)\r\n"
            } else if method != "GET" {
                head += "Content-Length: 0\r\n"
            }
            head += "\r\n"
            bytes = [UInt8](head.utf8) + [UInt8](body ?? Data())
        }
        let request = bytes
        let window = readFor
        // Blocking socket calls run on a thread of their own, not on Swift's cooperative pool.
        return try await offPool { try exchange(port: port, request, readFor: window) }
    }

    /// `send`, failing unless the server answered.
    static func request(
        port: Int, _ method: String, _ path: String, headers: [(String, String)] = [], body: Data? = nil,
        readFor: Duration? = nil
    ) async throws -> WireResponse {
        switch try await send(port: port, method, path, headers: headers, body: body, readFor: readFor) {
        case .answered(let response): return response
        case .closed:
            throw ProcessFailure.failed("\(method) \(path): the server closed the connection without answering")
        }
    }

    private static func exchange(port: Int, _ request: [UInt8], readFor: Duration?) throws -> Outcome {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw ProcessFailure.failed("socket() failed: errno \(errno)") }
        defer { close(fd) }
        // Short receive timeouts so a read window can end on time.
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sendTimeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw ProcessFailure.failed("connect() failed: errno \(errno)") }
        var sent = 0
        while sent < request.count {
            // The server may answer (413, 431) and stop reading before everything is sent: then
            // stop sending and read the answer.
            var readable = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&readable, 1, 0) > 0 { break }
            let piece = request[sent..<min(request.count, sent + 64 * 1024)]
            let n = piece.withUnsafeBytes { socketSend(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        // A read window (a stream) starts when the first bytes arrive: a busy server may take a
        // while to answer at all, which is not what the window measures.
        var deadline = ContinuousClock.now + .seconds(30)
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var head: (end: Int, length: Int?, chunked: Bool)?
        while ContinuousClock.now < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { break }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                break  // reset: keep what arrived
            }
            if response.isEmpty, let readFor { deadline = ContinuousClock.now + readFor }
            response += buffer[0..<n]
            guard readFor == nil else { continue }
            if head == nil, let end = headEnd(response), let parsed = parse(Array(response[..<(end + 4)])) {
                head = (
                    end, parsed.header("Content-Length").flatMap { Int($0) },
                    parsed.header("Transfer-Encoding")?.lowercased() == "chunked"
                )
            }
            if let head {
                if let length = head.length, response.count - head.end - 4 >= length { break }
                if head.chunked, response.suffix(5) == [48, 13, 10, 13, 10] { break }
            }
        }
        guard let parsed = parse(response) else { return .closed }
        return .answered(parsed)
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    private static func parse(_ bytes: [UInt8]) -> WireResponse? {
        guard let end = headEnd(bytes) else { return nil }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return nil }
        var fields: [WireResponse.Field] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields.append(
                .init(
                    name: String(line[..<colon]),
                    value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var body = Array(bytes[(end + 4)...])
        let isChunked = fields.contains {
            $0.name.lowercased() == "transfer-encoding" && $0.value.lowercased() == "chunked"
        }
        if isChunked {
            body = dechunk(body)
        } else if let length = fields.first(where: { $0.name.lowercased() == "content-length" }).flatMap({
            Int($0.value)
        }) {
            body = Array(body.prefix(length))
        }
        return WireResponse(status: status, fields: fields, body: Data(body))
    }

    /// The payload of complete chunks (a stream cut off midway keeps what arrived whole).
    private static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard
                let lineEnd = (index..<max(index, bytes.count - 1)).first(where: {
                    bytes[$0] == 13 && bytes[$0 + 1] == 10
                })
            else { break }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { break }
            if size == 0 { break }
            let start = lineEnd + 2
            guard start + size <= bytes.count else { break }
            out += bytes[start..<start + size]
            index = start + size + 2
        }
        return out
    }
}
