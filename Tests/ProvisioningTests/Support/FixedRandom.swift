/// Random numbers a test chooses: hands out `values` in order, then repeats the last one.
struct FixedRandom {
    private let values: [Double]
    /// How many numbers were drawn.
    private(set) var drawn = 0

    init(_ values: Double...) {
        precondition(!values.isEmpty, "give at least one value")
        self.values = values
    }

    mutating func next() -> Double {
        defer { drawn += 1 }
        return values[min(drawn, values.count - 1)]
    }
}
