import Foundation

/// Writes JSON text in the domain's one form, the bytes `StoreEvent.encoder` would write
/// (sorted keys, unescaped slashes, millisecond dates), by hand: what a projection writes for
/// every store (`StoreState+JSON.swift`, `StoreView+JSON.swift`) costs a few microseconds
/// instead of `JSONEncoder`'s tens.
///
/// The caller writes an object's keys in sorted order and leaves out nil fields, as the
/// encoder's synthesized `encodeIfPresent` does. Values without a hand-written form (rare
/// nested ones: operations, backups, health) go through `StoreEvent.encoder` (`encoded`),
/// and so does a string that needs escaping. `DomainJSONTests` compares the bytes with the
/// encoder's for states of every shape.
public struct DomainJSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// A value was written last in the current object or array: the next one needs a comma.
    private var separate = false

    public init(capacity: Int = 4096) {
        bytes.reserveCapacity(capacity)
    }

    /// The text written.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func beginValue() {
        if separate { bytes.append(UInt8(ascii: ",")) }
        separate = true
    }

    /// An object whose fields `body` writes (keys in sorted order).
    public mutating func object(_ body: (inout DomainJSONWriter) throws -> Void) rethrows {
        beginValue()
        bytes.append(UInt8(ascii: "{"))
        separate = false
        try body(&self)
        bytes.append(UInt8(ascii: "}"))
        separate = true
    }

    /// An array of `elements`, each written by `element`.
    public mutating func array<S: Sequence>(_ elements: S, _ element: (inout DomainJSONWriter, S.Element) throws -> Void) rethrows {
        beginValue()
        bytes.append(UInt8(ascii: "["))
        separate = false
        for value in elements { try element(&self, value) }
        bytes.append(UInt8(ascii: "]"))
        separate = true
    }

    /// A key of the current object (a plain ASCII name: never escaped); its value comes next.
    public mutating func key(_ name: StaticString) {
        if separate { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        separate = false
    }

    /// A key that is data (a dictionary's), escaped as any string.
    public mutating func key(text name: String) throws {
        if separate { bytes.append(UInt8(ascii: ",")) }
        separate = false
        try string(name)
        bytes.append(UInt8(ascii: ":"))
        separate = false
    }

    public mutating func string(_ value: String) throws {
        var value = value
        // Quotes and backslashes are escaped here (`\"`, `\\`: a view nested in a row is full
        // of quotes); text with a control character is left to the encoder, whose escapes are
        // the reference.
        let control = value.withUTF8 { utf8 in utf8.contains { $0 < 0x20 || $0 == 0x7F } }
        guard !control else { return try encoded(value) }
        beginValue()
        bytes.append(UInt8(ascii: "\""))
        value.withUTF8 { utf8 in
            var start = 0
            for (index, byte) in utf8.enumerated() where byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func string<Value: RawRepresentable<String>>(_ value: Value) throws {
        try string(value.rawValue)
    }

    public mutating func int(_ value: some BinaryInteger) {
        beginValue()
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func bool(_ value: Bool) {
        beginValue()
        bytes.append(contentsOf: value ? "true".utf8 : "false".utf8)
    }

    public mutating func date(_ value: Date) {
        beginValue()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: StoreEvent.formatDate(value).utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    /// JSON text made elsewhere (a state `StoreProjection.encode` wrote), as a value.
    public mutating func json(_ text: String) {
        beginValue()
        bytes.append(contentsOf: text.utf8)
    }

    /// Any value, as `StoreEvent.encoder` writes it.
    public mutating func encoded(_ value: some Encodable) throws {
        beginValue()
        bytes.append(contentsOf: try StoreEvent.encoder.encode(value))
    }

    /// `name: value`, or nothing when `value` is nil (as `encodeIfPresent` leaves it out).
    public mutating func field<Value>(_ name: StaticString, _ value: Value?, _ write: (inout DomainJSONWriter, Value) throws -> Void)
        rethrows
    {
        guard let value else { return }
        key(name)
        try write(&self, value)
    }

    public mutating func field(_ name: StaticString, _ value: String?) throws {
        try field(name, value) { try $0.string($1) }
    }

    public mutating func field<Value: RawRepresentable<String>>(_ name: StaticString, _ value: Value?) throws {
        try field(name, value) { try $0.string($1.rawValue) }
    }

    public mutating func field(_ name: StaticString, _ value: Date?) {
        field(name, value) { $0.date($1) }
    }

    public mutating func field(_ name: StaticString, _ value: Int?) {
        field(name, value) { $0.int($1) }
    }

    public mutating func field(_ name: StaticString, _ value: Bool?) {
        field(name, value) { $0.bool($1) }
    }

    /// An array of strings (or string-valued enums).
    public mutating func field<Value: StringProtocol>(_ name: StaticString, strings: [Value]) throws {
        key(name)
        try array(strings) { try $0.string(String($1)) }
    }

    public mutating func field<Value: RawRepresentable<String>>(_ name: StaticString, strings: [Value]) throws {
        key(name)
        try array(strings) { try $0.string($1.rawValue) }
    }

    /// A field written by the encoder (a rare nested value), or nothing when nil.
    public mutating func field(_ name: StaticString, encoded value: (some Encodable)?) throws {
        try field(name, value) { try $0.encoded($1) }
    }
}
