import Foundation

extension StoreEvent {
    /// The payloads that fill the log (a provisioning run appends a start and a success per
    /// step), read by hand (`PlainJSONObject`) instead of by `JSONDecoder`: a projection rebuild
    /// decodes every event ever appended. Nil when the text is anything but the plain form (or
    /// another type): the decoder reads it then, so the answer is the decoder's either way
    /// (`StoreEventCodecTests` compares the two).
    static func plainlyDecoded(_ kind: Kind, _ text: String) -> StoreEvent? {
        guard kind == .stepStarted || kind == .stepSucceeded, let object = PlainJSONObject(text),
            let step = object.string("step").flatMap(SagaStep.init(rawValue:)), let attempt = object.int("attempt")
        else { return nil }
        switch kind {
        case .stepStarted:
            guard let deadline = object.string("deadline").flatMap(parseDate) else { return nil }
            return .stepStarted(StepStarted(step: step, attempt: attempt, deadline: deadline))
        default:
            guard let durationMs = object.int("durationMs"), let details = object.strings("details") else { return nil }
            return .stepSucceeded(StepSucceeded(step: step, attempt: attempt, durationMs: durationMs, details: details))
        }
    }
}
