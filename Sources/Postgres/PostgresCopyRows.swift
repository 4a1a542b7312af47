/// Rows in `COPY`'s text format (tab between fields, newline after a row, `\N` for NULL,
/// backslash escapes), for `PostgresConnection.copy`. Values are written in the text input
/// format of their column, as parameters are (`PostgresEncodable`), and escaped here, so no
/// value can end a field or a row early.
public struct PostgresCopyRows: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Rows ended so far.
    public private(set) var count = 0
    private var fieldsInRow = 0

    public init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// The next field of the current row; nil is NULL.
    public mutating func append(_ value: (some PostgresEncodable)?) {
        guard let value else {
            separate()
            bytes.append(contentsOf: #"\N"#.utf8)
            return
        }
        append(text: value.postgresText)
    }

    /// The next field, as text (the column's input format: a `jsonb` column takes JSON).
    public mutating func append(text: String) {
        separate()
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for (index, byte) in utf8.enumerated() {
                let escape: UInt8
                switch byte {
                case UInt8(ascii: "\\"): escape = UInt8(ascii: "\\")
                case UInt8(ascii: "\n"): escape = UInt8(ascii: "n")
                case UInt8(ascii: "\r"): escape = UInt8(ascii: "r")
                case UInt8(ascii: "\t"): escape = UInt8(ascii: "t")
                default: continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(escape)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
    }

    /// Ends the current row.
    public mutating func endRow() {
        bytes.append(UInt8(ascii: "\n"))
        fieldsInRow = 0
        count += 1
    }

    private mutating func separate() {
        if fieldsInRow > 0 { bytes.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
    }
}
