import FieldSyncCore

/// Whether a terminal's copy of a record agrees with the server's, as `fieldsync demo` and the
/// integration tests check it after a storm.
///
/// Every field must hold the same entries and every causal counter must match, with one exception: a
/// write the server rejected leaves the terminal's own counter above the server's (the store keeps it,
/// so that no dot is ever issued twice), and that counter alone may be ahead.
public enum ConvergenceCheck {
    /// Whether `local`, the copy of terminal `replica`, agrees with `server`: same id, type, schema version
    /// and fields, and the same counter for every replica but `replica`, whose own may be ahead locally.
    public static func agrees(local: RecordState, server: RecordState, terminal replica: ReplicaID) -> Bool {
        guard local.id == server.id, local.type == server.type, local.schemaVersion == server.schemaVersion,
              local.fields == server.fields else { return false }
        let replicas = Set(local.context.entries.map(\.replica)).union(server.context.entries.map(\.replica))
        return replicas.allSatisfy { other in
            other == replica ? local.context[other] >= server.context[other] : local.context[other] == server.context[other]
        }
    }

    /// The records of one pull, each once, in its last copy: a pull may send a record twice, older first,
    /// when part of it came from ranges the server read earlier (SPEC §8.4), and the last copy is the
    /// server's state. Records keep the order of their last copies.
    public static func latestCopies(_ pulled: [RecordState]) -> [RecordState] {
        var last: [RecordID: Int] = [:]
        for (index, state) in pulled.enumerated() { last[state.id] = index }
        return pulled.enumerated().filter { last[$0.element.id] == $0.offset }.map(\.element)
    }

    /// What differs between a terminal's records and the server's records visible to it (as one pull
    /// delivered them, in order: a record sent twice counts in its last copy), in words: empty when they
    /// have converged.
    public static func differences(local: [RecordState], server: [RecordState], terminal replica: ReplicaID) -> [String] {
        let serverByID = Dictionary(latestCopies(server).map { ($0.id, $0) }, uniquingKeysWith: { _, later in later })
        let localIDs = Set(local.map(\.id))
        var problems: [String] = []
        for state in local {
            guard let theirs = serverByID[state.id] else {
                problems.append("holds \(state.id), which the server does not show this terminal")
                continue
            }
            if !agrees(local: state, server: theirs, terminal: replica) {
                problems.append("holds a state of \(state.id) that differs from the server's")
            }
        }
        for id in serverByID.keys where !localIDs.contains(id) {
            problems.append("lacks \(id)")
        }
        return problems.sorted()
    }
}
