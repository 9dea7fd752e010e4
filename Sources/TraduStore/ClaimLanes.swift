/// Bounds on one claim by engine lane (`EngineLanes`): the pipelines grouped by the engine they call, each group
/// with how many more blocks it may take. A group without room takes none of the queue entries the claim reads; a
/// group with room takes at most that many of them, in the queue's order (the rest stay `enqueued`, never locked
/// nor changed); a pipeline in no group is not bounded.
public struct ClaimLanes: Sendable, Hashable {
    public struct Lane: Sendable, Hashable {
        public var pipelines: [String]
        public var room: Int

        public init(pipelines: [String], room: Int) {
            self.pipelines = pipelines
            self.room = room
        }
    }

    public var lanes: [Lane]

    public init(_ lanes: [Lane] = []) {
        self.lanes = lanes
    }

    /// No bound: the plain claim.
    public static let none = ClaimLanes()

    public var isEmpty: Bool { lanes.isEmpty }

    /// Whether every pipeline in `running` is in a lane without room: a claim could take nothing.
    public func leavesNothingOf(_ running: some Sequence<String>) -> Bool {
        let full = Set(lanes.filter { $0.room <= 0 }.flatMap(\.pipelines))
        return running.allSatisfy(full.contains)
    }

    /// The pipelines of the lanes without room, sorted.
    var full: [String] { lanes.filter { $0.room <= 0 }.flatMap(\.pipelines).sorted() }

    /// The lanes with room, as the claim's parallel arrays: each pipeline, its lane's number and its lane's room.
    var withRoom: (pipelines: [String], lanes: [Int], rooms: [Int]) {
        var result: (pipelines: [String], lanes: [Int], rooms: [Int]) = ([], [], [])
        for (number, lane) in lanes.enumerated() where lane.room > 0 {
            for pipeline in lane.pipelines.sorted() {
                result.pipelines.append(pipeline)
                result.lanes.append(number)
                result.rooms.append(lane.room)
            }
        }
        return result
    }
}
