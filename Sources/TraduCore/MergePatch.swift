/// JSON merge patch (RFC 7386) over positioned nodes: a mapping merges key by key, `null` deletes a key,
/// anything else replaces. Replaced values keep the patch's positions, so an error in an override points
/// at the Environment file that introduced it.
public enum MergePatch {
    public static func apply(_ patch: Node, to target: Node) -> Node {
        guard case .mapping(let patchEntries) = patch.value else { return patch }
        var entries: [Node.Entry] = target.entries ?? []
        for change in patchEntries {
            let index = entries.firstIndex { $0.key == change.key }
            if case .null = change.value.value {
                if let index { entries.remove(at: index) }
            } else if let index {
                entries[index].value = apply(change.value, to: entries[index].value)
            } else {
                entries.append(
                    Node.Entry(
                        key: change.key, keyRange: change.keyRange,
                        value: apply(change.value, to: Node(.mapping([]), range: change.value.range))))
            }
        }
        return Node(.mapping(entries), range: target.entries == nil ? patch.range : target.range)
    }
}
