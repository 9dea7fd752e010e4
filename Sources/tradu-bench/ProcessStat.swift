import Foundation

/// One process's line of `/proc/PID/stat`: what the benches read to count a local server's CPU and to find
/// its postmaster.
struct ProcessStat {
    var command: Substring
    var parent: Int
    /// User and system CPU, and that of the children it reaped, in clock ticks (fields 14 to 17).
    var userTicks: Double
    var systemTicks: Double
    var reapedUserTicks: Double
    var reapedSystemTicks: Double
    /// Clock ticks from boot to the process's start (field 22).
    var startTicks: Double

    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    init?(pid: Int) {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        self.init(text)
    }

    /// The command sits in parentheses and may hold spaces, so fields are counted after its last `)`.
    init?(_ text: String) {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"),
            text.index(close, offsetBy: 2, limitedBy: text.endIndex) != nil
        else { return nil }
        // fields[0] is field 3 (state), so field N is fields[N - 3].
        let fields = text[text.index(close, offsetBy: 2)...].split(separator: " ")
        guard fields.count > 19, let parent = Int(fields[1]), let user = Double(fields[11]),
            let system = Double(fields[12]), let reapedUser = Double(fields[13]),
            let reapedSystem = Double(fields[14]), let start = Double(fields[19])
        else { return nil }
        command = text[text.index(after: open)..<close]
        self.parent = parent
        userTicks = user
        systemTicks = system
        reapedUserTicks = reapedUser
        reapedSystemTicks = reapedSystem
        startTicks = start
    }

    /// User and system CPU seconds, the reaped children's included: a backend that exited keeps its share in
    /// the postmaster's, so a sum over a server's processes never goes down.
    var cpuSeconds: Double { (userTicks + systemTicks + reapedUserTicks + reapedSystemTicks) / Self.ticksPerSecond }

    /// When the process started, in seconds since the epoch (`btime` of `/proc/stat` plus its start ticks).
    var startedAt: Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let boot = Double(line.dropFirst("btime ".count))
        else { return nil }
        return boot + startTicks / Self.ticksPerSecond
    }
}
