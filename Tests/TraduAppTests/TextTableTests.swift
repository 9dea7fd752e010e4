import Testing
import TraduApp

@Suite struct TextTableTests {
    @Test func columnsAreAsWideAsTheirWidestCellAndLinesHaveNoTrailingBlanks() {
        var table = TextTable(["ID", "STATE", "NOTE"])
        table.append(["run-vm-1-worker", "stopped", ""])
        table.append(["c", "live", "leader"])
        let lines = table.rendered.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(
            lines == [
                "ID               STATE    NOTE",
                "run-vm-1-worker  stopped",
                "c                live     leader",
            ])
    }

    @Test func anEmptyTableIsItsHeader() {
        #expect(TextTable(["A", "B"]).rendered == "A  B")
    }
}
