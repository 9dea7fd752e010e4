/// A path glob: `*` and `?` within one path component, `**` for any number of folders.
///
/// As in shells, wildcards do not match names starting with `.` unless the pattern component does, so
/// `.git` folders and editor droppings stay out of a corpus. Matching runs as a small NFA over the pattern's
/// components while the directory walk descends, so folders that cannot match are never opened.
struct GlobPattern {
    let components: [[Unicode.Scalar]]

    init(components: some Sequence<Substring>) {
        self.components = components.map { Array($0.unicodeScalars) }
    }

    /// The states (indices into `components`) to start the walk with.
    var initialStates: [Int] { closure([0]) }

    /// Whether `states` includes a complete match.
    func accepts(_ states: [Int]) -> Bool { states.contains(components.count) }

    /// Whether a folder reached in `states` can still lead to a match.
    func canDescend(_ states: [Int]) -> Bool { states.contains { $0 < components.count } }

    /// The states after consuming one path component `name`.
    func step(_ states: [Int], name: String) -> [Int] {
        let scalars = Array(name.unicodeScalars)
        let hidden = scalars.first == "."
        var next: [Int] = []
        for state in states where state < components.count {
            let pattern = components[state]
            if Self.isGlobstar(pattern) {
                if !hidden { next.append(state) }
            } else if Self.matches(pattern, scalars, hiddenName: hidden) {
                next.append(state + 1)
            }
        }
        return closure(next)
    }

    /// Adds the states reachable by letting a `**` match zero folders.
    private func closure(_ states: [Int]) -> [Int] {
        var result: [Int] = []
        for var state in states {
            while true {
                if !result.contains(state) { result.append(state) }
                guard state < components.count, Self.isGlobstar(components[state]) else { break }
                state += 1
            }
        }
        return result
    }

    static func isGlobstar(_ pattern: [Unicode.Scalar]) -> Bool {
        pattern.count == 2 && pattern[0] == "*" && pattern[1] == "*"
    }

    static func hasWildcard(_ component: Substring) -> Bool {
        component.contains("*") || component.contains("?")
    }

    /// One component against one name: `*` any run, `?` one character (greedy with backtracking to the
    /// last star, linear in practice).
    static func matches(_ pattern: [Unicode.Scalar], _ name: [Unicode.Scalar], hiddenName: Bool) -> Bool {
        if hiddenName && pattern.first != "." { return false }
        var p = 0
        var n = 0
        var star = -1
        var starName = 0
        while n < name.count {
            if p < pattern.count && (pattern[p] == "?" || (pattern[p] != "*" && pattern[p] == name[n])) {
                p += 1
                n += 1
            } else if p < pattern.count && pattern[p] == "*" {
                star = p
                starName = n
                p += 1
            } else if star >= 0 {
                p = star + 1
                starName += 1
                n = starName
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
