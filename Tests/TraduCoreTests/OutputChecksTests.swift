import Testing

@testable import TraduCore

/// `OutputChecks`: each check, its exceptions, and the switches that turn it off.
@Suite struct OutputChecksTests {
    let checks = OutputChecks()
    let prose = "This package contains the development files for the library."

    func problem(_ source: String, _ translation: String, from: String = "en", to: String = "fr") -> String? {
        checks.problem(source: source, translation: translation, sourceLanguage: from, targetLanguage: to)?.check
    }

    @Test func proseReturnedUnchangedIsUntranslated() {
        #expect(problem(prose, prose) == "untranslated")
        #expect(problem(prose, "  " + prose + "\n") == "untranslated", "whitespace does not hide a copy")
        #expect(problem(prose, "Ce paquet contient les fichiers de développement de la bibliothèque.") == nil)
    }

    @Test func namesCodesAndSameLanguageTargetsMayComeBackUnchanged() {
        #expect(problem("PostgreSQL", "PostgreSQL") == nil, "fewer than 20 letters")
        #expect(problem("https://example.org/a/b/c/d/e/f/g/h/i/j", "https://example.org/a/b/c/d/e/f/g/h/i/j") == nil)
        let code = "x = compute_value(1, 2, 3) + 42 * (7 - 9) // 100"
        #expect(problem(code, code) == nil, "less than half letters")
        #expect(problem(prose, prose, from: "en", to: "en-GB") == nil, "same primary language")
    }

    @Test func emptyTranslationsOfRealText() {
        #expect(problem("Hello", "") == "empty")
        #expect(problem("Hello", " \n ") == "empty")
        #expect(problem("   ", "") == nil)
    }

    @Test func lengthRatioHasBoundsAndSkipsShortTexts() {
        #expect(problem(prose, String(repeating: "très long ", count: 40)) == "lengthRatio")
        #expect(problem(prose, "Paquet.") == "lengthRatio")
        #expect(problem("Open it", "Ouvrez-le, s'il vous plaît, maintenant et tout de suite") == nil, "short source")
    }

    @Test func placeholdersAndMarkupAreNamedApart() {
        #expect(problem("Hello {name}, welcome back to the application", "Bonjour, bienvenue") == "placeholders")
        #expect(
            problem("Press <b>Save</b> to keep your changes now", "Appuyez sur Enregistrer pour garder") == "markup")
    }

    @Test func everyCheckCanBeTurnedOff() {
        let off = OutputChecks(
            untranslated: false, empty: false, lengthRatio: nil, placeholders: false, markup: false)
        for (source, translation) in [(prose, prose), ("Hello", ""), (prose, "x"), ("Hi {name}", "Salut")] {
            #expect(
                off.problem(source: source, translation: translation, sourceLanguage: "en", targetLanguage: "fr") == nil
            )
        }
    }

    /// The profile's ASCII shortcut must classify exactly as Unicode's property tables do.
    @Test func theASCIIShortcutAgreesWithUnicodeProperties() {
        for value in UInt32(0)..<0x80 {
            let scalar = Unicode.Scalar(value)!
            #expect(TextProfile.isWhitespace(scalar) == scalar.properties.isWhitespace, "U+\(value)")
            #expect(TextProfile.isAlphabetic(scalar) == scalar.properties.isAlphabetic, "U+\(value)")
        }
        let profile = TextProfile("Déjà vu\u{2003}x\t42 語")
        #expect(profile.letters == 8)
        #expect(profile.visible == 10)
        #expect(profile.hasWhitespace)
        #expect(profile.scalars == 14)
        #expect(TextProfile("\u{00A0} \n").isBlank)
        #expect(TextProfile.isBlank("\u{00A0} \n"))
        #expect(!TextProfile.isBlank(" x "))
    }
}
