import Testing

@testable import TraduCore

@Suite struct SuggestionTests {
    @Test func suggestsTheClosestCandidate() {
        #expect(Suggestion.closest(to: "maxRecrods", in: ["maxRecords", "maxBytes"]) == "maxRecords")
        #expect(Suggestion.closest(to: "Pipline", in: ManifestKind.allCases.map(\.rawValue)) == "Pipeline")
        #expect(Suggestion.closest(to: "nmae", in: ["name", "labels"]) == "name")
    }

    @Test func staysQuietWhenNothingIsClose() {
        #expect(Suggestion.closest(to: "banana", in: ["maxRecords", "maxBytes"]) == nil)
        #expect(Suggestion.didYouMean("zzz", in: ["name"]) == "")
    }

    @Test func countsATranspositionAsOneEdit() {
        #expect(Suggestion.editDistance("ab", "ba") == 1)
        #expect(Suggestion.editDistance("kitten", "sitting") == 3)
    }
}
