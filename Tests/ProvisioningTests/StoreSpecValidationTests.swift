import Testing

@testable import Provisioning

/// The problems `StoreSpec.validate` reports for this input (empty when it is valid).
private func problems(
    name: String? = "Demo Shop", domain: String? = "shop.example.com", adminEmail: String? = "owner@example.com",
    plan: String? = "small"
) -> [FieldError] {
    do {
        _ = try StoreSpec.validate(name: name, domain: domain, adminEmail: adminEmail, plan: plan)
        return []
    } catch {
        guard case .validation(let errors) = error else {
            Issue.record("validation threw \(error)")
            return []
        }
        return errors
    }
}

private func spec(
    name: String? = "Demo Shop", domain: String? = "shop.example.com", adminEmail: String? = "owner@example.com",
    plan: String? = "small"
) throws -> StoreSpec {
    try StoreSpec.validate(name: name, domain: domain, adminEmail: adminEmail, plan: plan)
}

private let label63 = String(repeating: "a", count: 63)
/// Four labels and three dots: 63 + 63 + 63 + 61 + 3 = 253 characters.
private let host253 = [label63, label63, label63, String(repeating: "d", count: 61)].joined(separator: ".")
private let malformed = "must be an e-mail address such as admin@example.com"

@Suite("Validating a store request")
struct StoreSpecValidationTests {
    @Test func aValidRequestBecomesASpec() throws {
        #expect(try spec() == Fixtures.spec)
    }

    @Test func everyProblemIsReportedAtOnceEachWithItsField() {
        #expect(
            problems(name: nil, domain: "my_shop", adminEmail: "nobody", plan: "huge") == [
                FieldError(field: "name", message: "is required"),
                FieldError(field: "domain", message: "must be a fully qualified host name such as shop.example.com"),
                FieldError(field: "adminEmail", message: "must be an e-mail address such as admin@example.com"),
                FieldError(field: "plan", message: "must be one of small, medium, large"),
            ])
    }

    @Test func aMissingFieldIsRequired() {
        #expect(
            problems(name: nil, domain: nil, adminEmail: nil, plan: nil) == [
                FieldError(field: "name", message: "is required"),
                FieldError(field: "domain", message: "is required"),
                FieldError(field: "adminEmail", message: "is required"),
                FieldError(field: "plan", message: "is required (one of small, medium, large)"),
            ])
    }

    @Test func theErrorDescriptionNamesEachField() {
        let error = ProvisioningError.validation(problems(name: "", domain: "x", adminEmail: "y", plan: "z"))
        #expect(
            error.description
                == "invalid request: name: is required; "
                + "domain: must be a fully qualified host name such as shop.example.com; "
                + "adminEmail: must be an e-mail address such as admin@example.com; "
                + "plan: must be one of small, medium, large")
    }
}

@Suite("Validating a store's domain")
struct DomainValidationTests {
    @Test(arguments: [
        "shop.example.com", "a.b", "my-shop.example.co.uk", "xn--bcher-kva.example", "123.example.com",
        "shop.example.c0m", "\(label63).example.com", host253,
    ])
    func aHostNameIsAccepted(domain: String) throws {
        #expect(host253.utf8.count == 253)
        #expect(try spec(domain: domain).domain == domain)
    }

    @Test func upperCaseIsNormalisedToLowerCase() throws {
        #expect(try spec(domain: "Shop.Example.COM").domain == "shop.example.com")
    }

    @Test(arguments: [
        ("", "is required"),
        ("shop.example.com.", "each label must be 1-63 characters"),
        (".example.com", "each label must be 1-63 characters"),
        ("shop..example.com", "each label must be 1-63 characters"),
        ("-shop.example.com", "labels must not start or end with a hyphen"),
        ("shop-.example.com", "labels must not start or end with a hyphen"),
        ("shop.example-.com", "labels must not start or end with a hyphen"),
        ("\(label63)a.example.com", "each label must be 1-63 characters"),
        (host253 + "d", "must be at most 253 characters"),
        ("localhost", "must be a fully qualified host name such as shop.example.com"),
        ("my_shop.example.com", "may contain only letters, digits, hyphens and dots"),
        ("bücher.example.com", "may contain only letters, digits, hyphens and dots"),
        ("shop.exämple.com", "may contain only letters, digits, hyphens and dots"),
        ("shop example.com", "may contain only letters, digits, hyphens and dots"),
        ("https://shop.example.com", "may contain only letters, digits, hyphens and dots"),
        ("shop.example.123", "must not end in a numeric label"),
        ("10.0.0.1", "must not end in a numeric label"),
    ])
    func aBadHostNameIsRefusedWithItsReason(domain: String, reason: String) {
        #expect(problems(domain: domain) == [FieldError(field: "domain", message: reason)])
    }
}

@Suite("Validating a store's admin e-mail")
struct EmailValidationTests {
    @Test(arguments: [
        "owner@example.com", "first.last+shop@mail.example.co.uk", "O'Brien@Example.COM", "x@a.b",
        "a!#$%&'*+/=?^_`{|}~-z@example.com",
    ])
    func anAddressIsAcceptedAsWritten(email: String) throws {
        #expect(try spec(adminEmail: email).adminEmail == email)
    }

    @Test func surroundingSpacesAreTrimmed() throws {
        #expect(try spec(adminEmail: "  owner@example.com ").adminEmail == "owner@example.com")
    }

    @Test(arguments: [
        ("", "is required"),
        ("   ", "is required"),
        ("owner", malformed),
        ("@example.com", malformed),
        ("owner@", "must have a valid domain after @"),
        ("a@b@example.com", malformed),
        (".owner@example.com", malformed),
        ("owner.@example.com", malformed),
        ("ow..ner@example.com", malformed),
        ("own er@example.com", malformed),
        ("ówner@example.com", malformed),
        ("\"owner\"@example.com", malformed),
        (String(repeating: "o", count: 65) + "@example.com", malformed),
        ("owner@localhost", "must have a valid domain after @"),
        ("owner@exa_mple.com", "must have a valid domain after @"),
        ("owner@example.com.", "must have a valid domain after @"),
        ("o@" + String(repeating: "a.", count: 126) + "com", "must be at most 254 characters"),
    ])
    func aBadAddressIsRefusedWithItsReason(email: String, reason: String) {
        #expect(problems(adminEmail: email) == [FieldError(field: "adminEmail", message: reason)])
    }

    @Test func theLongestLocalPartIsSixtyFourCharacters() throws {
        let email = String(repeating: "o", count: 64) + "@example.com"
        #expect(try spec(adminEmail: email).adminEmail == email)
    }
}

@Suite("Validating a store's name and plan")
struct NameAndPlanValidationTests {
    @Test func theNameIsTrimmed() throws {
        #expect(try spec(name: "   Demo Shop \t").name == "Demo Shop")
    }

    @Test(arguments: ["", "    ", "\t"])
    func aBlankNameIsRequired(name: String) {
        #expect(problems(name: name) == [FieldError(field: "name", message: "is required")])
    }

    @Test func aNameHasAtMostSixtyCharacters() throws {
        #expect(try spec(name: String(repeating: "n", count: 60)).name.count == 60)
        #expect(
            problems(name: String(repeating: "n", count: 61))
                == [FieldError(field: "name", message: "must be at most 60 characters")])
    }

    @Test func aNameIsCountedInCharactersNotBytes() throws {
        let name = String(repeating: "é", count: 30) + String(repeating: "☕", count: 30)
        #expect(try spec(name: name).name == name)
    }

    @Test(arguments: ["Demo\u{0007}Shop", "Demo\nShop", "Demo Shop\n", "Demo\u{0000}", "Demo\tShop", "Demo\u{007F}"])
    func aNameWithControlCharactersIsRefused(name: String) {
        #expect(problems(name: name) == [FieldError(field: "name", message: "must not contain control characters")])
    }

    @Test(arguments: Plan.allCases)
    func eachPlanIsAccepted(plan: Plan) throws {
        #expect(try spec(plan: plan.rawValue).plan == plan)
    }

    @Test(arguments: ["xl", "smal", "small-ish"])
    func anUnknownPlanIsRefused(plan: String) {
        #expect(problems(plan: plan) == [FieldError(field: "plan", message: "must be one of small, medium, large")])
    }

    @Test(arguments: ["", "  "])
    func aBlankPlanIsRequired(plan: String) {
        #expect(problems(plan: plan) == [FieldError(field: "plan", message: "is required (one of small, medium, large)")])
    }

    @Test(arguments: ["Small", " small", "SMALL "])
    func aPlanIsReadWithoutCaseOrSurroundingSpaces(plan: String) throws {
        #expect(try spec(plan: plan).plan == .small)
    }

    @Test func aNameWithAnEmojiJoinerSequenceIsAccepted() throws {
        #expect(try spec(name: "👩‍💻 Shop").name == "👩‍💻 Shop")
    }
}
