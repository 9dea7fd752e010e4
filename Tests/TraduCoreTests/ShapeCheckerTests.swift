import Testing

@testable import TraduCore

@Suite struct ShapeCheckerTests {
    let shape = Shape.object(
        ObjectShape(
            [
                Field("count", .integer(min: 1, max: 10), required: true, "a count"),
                Field("every", .duration(min: .seconds(1)), "a period"),
                Field("mode", .choice(["fast", "slow"]), "a mode"),
            ], forbidden: ["apiKey": "no secrets"]))

    @Test func reportsEveryProblemNotJustTheFirst() {
        let input = mapping([
            ("cuont", node(.int(3), line: 2)),
            ("every", node(.string("500ms"), line: 3)),
            ("mode", node(.string("fsat"), line: 4)),
            ("apiKey", node(.string("sk"), line: 5)),
        ])
        let messages = ShapeChecker.check(input, against: shape, path: "spec").map(\.message)
        #expect(
            messages == [
                "unknown key 'cuont' in spec; did you mean 'count'?",
                "spec.every must be at least 1s, got 500ms",
                "spec.mode must be one of fast, slow, got 'fsat'; did you mean 'fast'?",
                "spec.apiKey: no secrets",
            ])
    }

    @Test func reportsAMissingKeyThatNoTypoExplains() {
        let input = mapping([("every", node(.string("2s")))])
        #expect(
            ShapeChecker.check(input, against: shape, path: "spec").map(\.message) == [
                "missing required key 'count' in spec"
            ])
    }

    @Test func namesTheTypeThatWasGiven() {
        let input = mapping([("count", node(.string("3")))])
        #expect(
            ShapeChecker.check(input, against: shape, path: "spec").map(\.message) == [
                "spec.count must be a whole number, got a string '3'"
            ])
    }

    @Test func aValidNodeHasNoDiagnostics() {
        let input = mapping([("count", node(.int(3))), ("every", node(.string("2s"))), ("mode", node(.null))])
        #expect(ShapeChecker.check(input, against: shape, path: "spec").isEmpty)
    }
}
