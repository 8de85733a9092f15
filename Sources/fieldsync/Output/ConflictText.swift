import FieldSyncCore

/// `ConflictDescription` as `fieldsync conflicts show` and `fieldsync demo` print it: the competing
/// values side by side with officer, device and stamp, the policy, and why it could or could not decide.
enum ConflictText {
    /// - Parameter deviceName: the device name of a replica, when known (the server knows every device).
    static func lines(_ conflict: ConflictDescription, deviceName: (ReplicaID) -> String? = { _ in nil }) -> [String] {
        var lines = ["\(conflict.type.rawValue) \(conflict.id.rawValue)"]
        for field in conflict.fields {
            lines.append("  field \(field.name)  (policy: \(field.policy))")
            for (number, candidate) in zip(1..., field.candidates) {
                // Numbered for `conflicts resolve --take field=N`.
                let winner = if case .decided(let dot, _) = field.decision, dot == candidate.dot { "→ \(number). " } else { "  \(number). " }
                let device = deviceName(candidate.dot.replica) ?? candidate.dot.replica.rawValue
                // Whole values, wrapped by the printer: a person cannot choose between texts cut short.
                lines.append("  \(winner)" + Text.value(candidate.value))
                lines.append("       by officer \(candidate.author.rawValue) on \(Text.clip(device, 24)) at "
                    + "\(Text.time(candidate.stamp.wall)), write #\(candidate.dot.counter)")
            }
            switch field.decision {
            case .decided(_, let rule):
                lines.append("    decided by policy: \(rule); the other values stay visible until a later write covers them")
            case .needsPerson:
                lines.append("    NEEDS A PERSON: \(field.policy) fields are never merged by rule; resolve with")
                lines.append("    `fieldsync conflicts resolve \(conflict.id.rawValue) --take \(field.name)=N` or `--set \(field.name)=TEXT`")
            }
        }
        return lines
    }

    /// The record's causal context: how many writes of each device the state integrates. Two values
    /// are concurrent exactly when neither writer had seen the other's write.
    static func context(_ context: VersionVector, deviceName: (ReplicaID) -> String? = { _ in nil }) -> [String] {
        ["Causal context (writes integrated, per device):"] + context.entries.map { entry in
            "  \(Text.pad(deviceName(entry.replica) ?? entry.replica.rawValue, 30)) \(entry.counter)"
        }
    }
}
