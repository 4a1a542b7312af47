import Foundation

/// An HTTP/1.1 response parser fed with whatever `recv` returned: the head, then a chunked,
/// sized or until-close body; an event-stream body goes through the SSE parser.
struct ResponseParser {
    struct Head {
        var status: Int
        var headers: [String: String]
    }

    struct Output {
        var items: [SSEItem] = []
        var body: [UInt8] = []
    }

    private enum Body {
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailer
        case sized(remaining: Int)
        case untilClose
        case done
    }

    private(set) var head: Head?
    private(set) var error: String?
    var complete: Bool { if case .done = body { true } else { false } }

    private var pending: [UInt8] = []
    private var body = Body.untilClose
    private var eventStream = false
    private var sse = SSEParser()

    mutating func feed(_ bytes: ArraySlice<UInt8>) -> Output {
        var output = Output()
        pending += bytes
        var index = pending.startIndex
        defer { pending.removeSubrange(pending.startIndex..<index) }
        if head == nil {
            guard let end = Self.find([13, 10, 13, 10], in: pending, from: index) else { return output }
            parseHead(String(decoding: pending[index..<end], as: UTF8.self))
            index = end + 4
        }
        while index < pending.endIndex, error == nil {
            switch body {
            case .chunkSize, .chunkEnd, .trailer:
                guard let end = Self.find([13, 10], in: pending, from: index) else { return output }
                let line = String(decoding: pending[index..<end], as: UTF8.self)
                index = end + 2
                switch body {
                case .chunkSize:
                    guard let size = Int(line.split(separator: ";").first ?? "", radix: 16) else {
                        error = "bad chunk size line \(line.debugDescription)"
                        return output
                    }
                    body = size == 0 ? .trailer : .chunkData(remaining: size)
                case .chunkEnd:
                    guard line.isEmpty else {
                        error = "chunk not followed by CRLF"
                        return output
                    }
                    body = .chunkSize
                default:
                    if line.isEmpty { body = .done }
                }
            case .chunkData(let remaining):
                let take = min(remaining, pending.endIndex - index)
                deliver(pending[index..<(index + take)], into: &output)
                index += take
                body = take == remaining ? .chunkEnd : .chunkData(remaining: remaining - take)
            case .sized(let remaining):
                let take = min(remaining, pending.endIndex - index)
                deliver(pending[index..<(index + take)], into: &output)
                index += take
                body = take == remaining ? .done : .sized(remaining: remaining - take)
            case .untilClose:
                deliver(pending[index...], into: &output)
                index = pending.endIndex
            case .done:
                error = "bytes after the end of the response"
            }
        }
        return output
    }

    private mutating func parseHead(_ text: String) {
        let lines = text.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            error = "bad status line \(lines[0].debugDescription)"
            return
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        head = Head(status: status, headers: headers)
        eventStream = headers["content-type"]?.hasPrefix("text/event-stream") ?? false
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = .chunkSize
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            body = length == 0 ? .done : .sized(remaining: length)
        }
    }

    private mutating func deliver(_ bytes: ArraySlice<UInt8>, into output: inout Output) {
        if eventStream { output.items += sse.feed(bytes) } else { output.body += bytes }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count - start >= needle.count else { return nil }
        var index = start
        while index <= haystack.endIndex - needle.count {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }
}

/// The event-stream format (WHATWG HTML, "server-sent events"): lines ending in LF, CRLF or
/// CR; `field: value`; a comment starts with a colon; a blank line dispatches the event.
struct SSEParser {
    private var line: [UInt8] = []
    private var lastWasCR = false
    private var id: String?
    private var event: String?
    private var data: [String] = []

    mutating func feed(_ bytes: ArraySlice<UInt8>) -> [SSEItem] {
        var items: [SSEItem] = []
        var start = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == 10 || byte == 13 {
                // The LF of a CRLF ends nothing: the CR already ended the line.
                if !(byte == 10 && lastWasCR) {
                    line += bytes[start..<index]
                    if let item = takeLine() { items.append(item) }
                }
                lastWasCR = byte == 13
                start = index + 1
            } else {
                lastWasCR = false
            }
            index += 1
        }
        line += bytes[start..<bytes.endIndex]
        return items
    }

    private mutating func takeLine() -> SSEItem? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            defer { (id, event, data) = (nil, nil, []) }
            guard id != nil || event != nil || !data.isEmpty else { return nil }
            return .event(SSEEvent(id: id, event: event, data: data.joined(separator: "\n")))
        }
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix(":") { return .comment(String(text.dropFirst()).trimmingCharacters(in: .whitespaces)) }
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = text[...]
            value = ""
        }
        switch field {
        case "id": id = String(value)
        case "event": event = String(value)
        case "data": data.append(String(value))
        case "retry": if let milliseconds = Int(value) { return .retry(milliseconds) }
        default: break
        }
        return nil
    }
}
