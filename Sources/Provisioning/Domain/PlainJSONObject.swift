/// A JSON object of the plainest kind, read by hand: strings without escapes, integers,
/// booleans and objects of those, with any whitespace between (PostgreSQL's `jsonb` text has
/// some). Anything else (an escape, a fraction, an array, null, a duplicate key, bad JSON) is
/// not read at all (nil), and the caller decodes the text with `JSONDecoder` as before: the
/// fast path only ever answers what the decoder would, for the payloads that fill the log
/// (`StoreEvent+PlainDecoding.swift`).
struct PlainJSONObject {
    enum Value: Equatable {
        case string(String)
        case int(Int)
        case bool(Bool)
        case object([String: Value])
    }

    let fields: [String: Value]

    init?(_ text: String) {
        var text = text
        guard let fields = text.withUTF8({ utf8 -> [String: Value]? in
            var reader = Reader(bytes: utf8)
            guard let fields = reader.object(depth: 0) else { return nil }
            reader.skipSpace()
            return reader.index == utf8.count ? fields : nil
        }) else { return nil }
        self.fields = fields
    }

    func string(_ key: String) -> String? {
        if case .string(let value)? = fields[key] { return value }
        return nil
    }

    func int(_ key: String) -> Int? {
        if case .int(let value)? = fields[key] { return value }
        return nil
    }

    /// An object of strings (a `[String: String]`).
    func strings(_ key: String) -> [String: String]? {
        guard case .object(let object)? = fields[key] else { return nil }
        var strings: [String: String] = [:]
        for (name, value) in object {
            guard case .string(let text) = value else { return nil }
            strings[name] = text
        }
        return strings
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func object(depth: Int) -> [String: Value]? {
            guard depth < 2, take(UInt8(ascii: "{")) else { return nil }
            var fields: [String: Value] = [:]
            if take(UInt8(ascii: "}")) { return fields }
            repeat {
                guard let key = string(), take(UInt8(ascii: ":")), let value = value(depth: depth), fields[key] == nil
                else { return nil }
                fields[key] = value
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "}")) ? fields : nil
        }

        mutating func value(depth: Int) -> Value? {
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "\""): return string().map(Value.string)
            case UInt8(ascii: "{"): return object(depth: depth + 1).map(Value.object)
            case UInt8(ascii: "t"): return word("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return word("false") ? .bool(false) : nil
            default: return integer().map(Value.int)
            }
        }

        mutating func word(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { return false }
            index += count
            return true
        }

        /// A string without escapes or control characters.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                guard bytes[index] >= 0x20, bytes[index] != UInt8(ascii: "\\") else { return nil }
                index += 1
            }
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }

        /// `-?(0|[1-9][0-9]*)` that fits an `Int`, followed by neither a fraction nor an exponent.
        mutating func integer() -> Int? {
            let start = index
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digits = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            guard index > digits, index - digits < 19, bytes[digits] != 0x30 || index - digits == 1 else { return nil }
            if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) {
                return nil
            }
            return Int(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
        }
    }
}
